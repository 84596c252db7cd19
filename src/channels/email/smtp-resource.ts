import nodemailer from 'nodemailer';
import type { OutboundResource, SendOutcome, SendRequest } from '../../core/delivery.js';

/** The mailbox part of a URI: mailto:ann@x → ann@x; other schemes have no mail address. */
function mailAddress(uri: string): string | null {
  return uri.startsWith('mailto:') ? uri.slice(7) : null;
}

/**
 * Mail out through a smarthost (resource config: host, port, secure, user, and the secret as its
 * password; optional dkim {domainName, keySelector, privateKey}). The message goes as MIME with
 * its original parts; the delivery id is the Message-ID's local part, so repeats are
 * recognisable. A 4xx answer or a connection failure is retried; a 5xx fails the delivery.
 */
export class SmtpResource implements OutboundResource {
  readonly type = 'smtp';

  constructor(private readonly hostname: string) {}

  async send(request: SendRequest): Promise<SendOutcome> {
    const { delivery, message, resource } = request;
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
    const texts = message.parts.filter((p) => p.derivedFrom === null);
    const text = texts.find((p) => p.contentType.startsWith('text/plain') && !p.filename);
    const html = texts.find((p) => p.contentType.startsWith('text/html') && !p.filename);
    const attachments = [];
    for (const p of texts)
      if (p !== text && p !== html)
        attachments.push({
          filename: p.filename ?? `part-${p.index}`,
          contentType: p.contentType,
          content: await request.part(p.index),
        });
    try {
      await transport.sendMail({
        from: mailAddress(message.from) ?? `postmaster@${this.hostname}`,
        to,
        subject: message.subject ?? '',
        messageId: `<${delivery.id}@${this.hostname}>`,
        date: new Date(message.createdAt),
        text: text ? (await request.part(text.index)).toString('utf8') : undefined,
        html: html ? (await request.part(html.index)).toString('utf8') : undefined,
        attachments,
        headers: { 'X-Switchboard-Delivery': delivery.id },
      });
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
