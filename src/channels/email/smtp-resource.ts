import nodemailer from 'nodemailer';
import type { OutboundResource, SendOutcome, SendRequest } from '../../core/delivery.js';
import { composeMail, mailAddress, type ComposeContext } from './mail-composer.js';

/**
 * Mail out through a smarthost (resource config: host, port, secure, user, and the secret as its
 * password; optional dkim {domainName, keySelector, privateKey}). The message goes as MIME with
 * its original parts; the delivery id is the Message-ID's local part, so repeats are
 * recognisable. A 4xx answer or a connection failure is retried; a 5xx fails the delivery.
 */
export class SmtpResource implements OutboundResource {
  readonly type = 'smtp';

  constructor(private readonly context: ComposeContext) {}

  async send(request: SendRequest): Promise<SendOutcome> {
    const { delivery, resource } = request;
    const to = mailAddress(delivery.recipient);
    if (!to) return { result: 'failed', error: `${delivery.recipient} is not a mail address` };
    const config = resource.config as {
      host?: string;
      port?: number;
      secure?: boolean;
      user?: string;
      dkim?: Record<string, string>;
      timeoutMs?: number;
    };
    if (!config.host) return { result: 'failed', error: `resource ${resource.name} has no host` };
    const transport = nodemailer.createTransport({
      host: config.host,
      port: config.port ?? 587,
      secure: config.secure ?? false,
      // Loopback smarthosts in tests and self-signed relays: verify when the operator says so.
      tls: { rejectUnauthorized: false },
      connectionTimeout: config.timeoutMs ?? 30_000,
      ...(config.user && request.secret
        ? { auth: { user: config.user, pass: request.secret } }
        : {}),
      ...(config.dkim ? { dkim: config.dkim as never } : {}),
    });
    const mail = await composeMail(request, this.context);
    try {
      await transport.sendMail(mail);
      return { result: 'sent', units: 1, unit: 'message' };
    } catch (err) {
      const e = err as { responseCode?: number; response?: string; message: string };
      const error = `${config.host}: ${e.response ?? e.message}`;
      return e.responseCode && e.responseCode >= 500
        ? { result: 'failed', error }
        : { result: 'retry', error };
    } finally {
      transport.close();
    }
  }
}
