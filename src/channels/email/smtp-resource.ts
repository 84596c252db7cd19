import type Mail from 'nodemailer/lib/mailer/index.js';
import type { OutboundResource, SendOutcome, SendRequest } from '../../core/delivery.js';
import { KeyedSemaphore } from '../../lib/keyed-semaphore.js';
import type { BounceAddresses } from './bounce-address.js';
import { dkimOptions, type LocalDkimKey } from './dkim-signing.js';
import { composeMail, mailAddress, type ComposeContext } from './mail-composer.js';
import type { MxResolver } from './mx-resolver.js';
import type { SmtpTarget, TransportPool } from './transport-pool.js';

export interface SmtpResourceDeps {
  /** Our name: EHLO, Message-ID domain. */
  hostname: string;
  mx: MxResolver;
  transports: TransportPool;
  bounces: BounceAddresses;
  dkim: LocalDkimKey | null;
  /** What composing a mail needs: VPIM peers, the sender's details, speech. */
  compose: ComposeContext;
}

/** The author's address of a composed mail, whatever form nodemailer was given it in. */
function authorOf(mail: Mail.Options): string | null {
  if (typeof mail.from === 'string') return mail.from;
  if (mail.from && typeof mail.from === 'object' && !Array.isArray(mail.from))
    return mail.from.address;
  const envelope = mail.envelope as { from?: string } | undefined;
  return envelope?.from ?? null;
}

/** The resource's `config`, as operators write it. */
interface SmtpConfig {
  mode?: 'smarthost' | 'mx';
  host?: string;
  port?: number;
  secure?: boolean;
  user?: string;
  dkim?: Record<string, string>;
  timeoutMs?: number;
  /** Simultaneous sends to one destination (MX domain or smarthost). */
  perDestination?: number;
  /** false: the envelope sender is the From address, for smarthosts that insist on it. */
  verp?: boolean;
}

const DEFAULT_PER_DESTINATION = 4;

type Attempt =
  { result: 'sent'; detail: string } | { result: 'failed' | 'next'; error: string; tls?: boolean };

/**
 * Mail out over SMTP, either through a smarthost (`config.host`, port 587 by default; the secret
 * is the password of `config.user`) or straight to the recipient domain's MX hosts (no host, or
 * `config.mode: "mx"`; port 25 by default). Hosts are tried in order: a connection failure or a
 * 4xx moves on to the next, a 5xx fails the delivery, and when every host put it off the queue
 * retries later. The envelope sender is a VERP bounce address naming the delivery, so a DSN that
 * comes back later can fail it.
 */
export class SmtpResource implements OutboundResource {
  readonly type = 'smtp';
  private readonly destinations = new KeyedSemaphore();

  constructor(private readonly deps: SmtpResourceDeps) {}

  async send(request: SendRequest): Promise<SendOutcome> {
    const { delivery, resource } = request;
    const to = mailAddress(delivery.recipient);
    const domain = to?.slice(to.lastIndexOf('@') + 1).toLowerCase();
    if (!to || !domain || !to.includes('@'))
      return { result: 'failed', error: `${delivery.recipient} is not a mail address` };
    const config = resource.config as SmtpConfig;
    const mode = config.mode ?? (config.host ? 'smarthost' : 'mx');
    if (mode === 'smarthost' && !config.host)
      return { result: 'failed', error: `resource ${resource.name} has no host` };

    const mail = await composeMail(request, this.deps.compose);
    const from = authorOf(mail);
    mail.envelope = {
      from: config.verp === false ? from : this.deps.bounces.forDelivery(delivery.id),
      to,
    } as Mail.Envelope;
    mail.dkim = dkimOptions(from, this.deps.dkim, config.dkim);

    const perDestination = Math.max(1, Number(config.perDestination) || DEFAULT_PER_DESTINATION);
    const base = {
      secure: config.secure ?? false,
      clientName: this.deps.hostname,
      timeoutMs: config.timeoutMs ?? 30_000,
      maxConnections: perDestination,
    };
    let targets: SmtpTarget[];
    let destination: string;
    if (mode === 'smarthost') {
      const host = config.host!;
      const port = config.port ?? 587;
      destination = `smarthost ${host}:${port}`;
      targets = [
        { ...base, host, address: host, port, user: config.user, password: request.secret },
      ];
    } else {
      const route = await this.deps.mx.route(domain);
      // A domain without mail servers is that domain's trouble; a DNS lookup that fails is ours.
      if (route.kind === 'failed') return { result: 'failed', error: route.error, remote: true };
      if (route.kind === 'retry') return { result: 'retry', error: route.error };
      destination = `mx ${domain}`;
      targets = route.targets.map((t) => ({ ...base, ...t, port: config.port ?? 25 }));
    }
    const outcome = await this.destinations.run(destination, perDestination, () =>
      this.tryInTurn(targets, mail),
    );
    // In MX mode every host is someone else's: their refusals and outages do not make this
    // resource faulty. A smarthost's are the resource's own (a wrong password, say).
    return mode === 'mx' && outcome.result !== 'sent' ? { ...outcome, remote: true } : outcome;
  }

  /** Shuts the pooled connections (server shutdown). */
  close(): void {
    this.deps.transports.close();
  }

  private async tryInTurn(targets: SmtpTarget[], mail: Mail.Options): Promise<SendOutcome> {
    const errors: string[] = [];
    for (const target of targets) {
      let attempt = await this.attempt(target, mail);
      // A TLS handshake that failed: opportunistic TLS means trying that host again in clear.
      if (attempt.result === 'next' && attempt.tls)
        attempt = await this.attempt({ ...target, plain: true }, mail);
      if (attempt.result === 'sent')
        return { result: 'sent', units: 1, unit: 'message', detail: attempt.detail };
      if (attempt.result === 'failed') return { result: 'failed', error: attempt.error };
      errors.push(attempt.error);
    }
    return { result: 'retry', error: errors.join('; ') };
  }

  private async attempt(target: SmtpTarget, mail: Mail.Options): Promise<Attempt> {
    const where =
      target.host === target.address ? target.host : `${target.host} [${target.address}]`;
    try {
      const info = await this.deps.transports.send(target, mail);
      return { result: 'sent', detail: `${where}: ${info.response}` };
    } catch (err) {
      const e = err as { responseCode?: number; response?: string; code?: string; message: string };
      const error = `${where}: ${e.response ?? e.message}`;
      if (e.responseCode && e.responseCode >= 500) return { result: 'failed', error };
      return { result: 'next', error, tls: e.code === 'ETLS' && !target.plain };
    }
  }
}
