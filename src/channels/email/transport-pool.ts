import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { sha256Hex } from '../../lib/hash.js';

/** Where one SMTP connection goes and how it signs in. */
export interface SmtpTarget {
  /** The server's name: TLS SNI, logs. */
  host: string;
  /** What to connect to: the name again, or an address found for it. */
  address: string;
  port: number;
  secure: boolean;
  user?: string | null;
  password?: string | null;
  /** Skip STARTTLS: the second try after a TLS handshake that failed. */
  plain?: boolean;
  /** Our name in EHLO. */
  clientName: string;
  timeoutMs: number;
  /** Simultaneous connections to this server. */
  maxConnections: number;
}

interface Entry {
  transport: Transporter<SMTPPool.SentMessageInfo>;
  busy: number;
  lastUsed: number;
}

/**
 * Pooled nodemailer transports, one per server and account, so that a run of mail to one place
 * reuses open connections instead of a handshake (and STARTTLS) per message. A transport idle
 * for `idleMs` is closed; `close()` ends them all at shutdown.
 */
export class TransportPool {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly idleMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, idleMs / 2));
    this.sweeper.unref();
  }

  async send(target: SmtpTarget, mail: Mail.Options): Promise<SMTPPool.SentMessageInfo> {
    const entry = this.entry(target);
    entry.busy++;
    try {
      return await entry.transport.sendMail(mail);
    } finally {
      entry.busy--;
      entry.lastUsed = this.now();
    }
  }

  /** Open transports; for tests and metrics. */
  get size(): number {
    return this.entries.size;
  }

  sweep(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [key, entry] of this.entries)
      if (entry.busy === 0 && entry.lastUsed <= cutoff) {
        entry.transport.close();
        this.entries.delete(key);
      }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const entry of this.entries.values()) entry.transport.close();
    this.entries.clear();
  }

  private entry(target: SmtpTarget): Entry {
    // The password is in the key as a hash: a changed secret gets a fresh pool rather than
    // connections signed in with the old one.
    const key = JSON.stringify([
      target.host,
      target.address,
      target.port,
      target.secure,
      target.user ?? '',
      target.password ? sha256Hex(target.password) : '',
      target.plain ?? false,
      target.clientName,
    ]);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { transport: this.create(target), busy: 0, lastUsed: this.now() };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private create(target: SmtpTarget): Transporter<SMTPPool.SentMessageInfo> {
    return nodemailer.createTransport({
      pool: true,
      host: target.address,
      port: target.port,
      secure: target.secure,
      name: target.clientName,
      maxConnections: Math.max(1, target.maxConnections),
      maxMessages: 100,
      // The queue retries with backoff; the pool itself resends once, for a connection that
      // the server closed just as a message was handed to it.
      maxRequeues: 1,
      ignoreTLS: target.plain ?? false,
      // STARTTLS whenever offered (RFC 3207), but mail still goes when the upgrade is refused;
      // certificates are not verified, as most MTAs do for opportunistic TLS.
      opportunisticTLS: true,
      tls: {
        rejectUnauthorized: false,
        ...(target.host !== target.address ? { servername: target.host } : {}),
      },
      connectionTimeout: target.timeoutMs,
      greetingTimeout: target.timeoutMs,
      socketTimeout: Math.max(target.timeoutMs, 60_000),
      ...(target.user && target.password
        ? { auth: { user: target.user, pass: target.password } }
        : {}),
    } as SMTPPool.Options);
  }
}
