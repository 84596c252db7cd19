import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { BindCheck } from '../../directory/smpp-accounts.js';
import { ApplicationReceipts } from './application-receipts.js';
import {
  ApplicationSubmissions,
  type BoundAccount,
  type SubmissionDeps,
} from './application-submissions.js';
import { SmppSession, type SessionOptions } from './smpp-session.js';
import { MAX_PDU_BYTES, Status } from './smpp-wire.js';

export interface SmppServerOptions {
  /** Connections open at once; more are closed as they come. */
  maxConnections: number;
  /** Bound sessions of one account at once; another bind gets ESME_RBINDFAIL. */
  maxSessionsPerAccount: number;
  window: number;
  bindTimeoutMs: number;
  idleTimeoutMs: number;
  responseTimeoutMs: number;
  concatTimeoutMs: number;
  maxPendingTexts: number;
  maxPendingReceipts: number;
  receiptRetryMs: number;
}

export interface SmppLog {
  info(detail: Record<string, unknown>, msg: string): void;
  warn(detail: Record<string, unknown>, msg: string): void;
}

export interface SmppServerDeps {
  /** Checks a bind's system_id and password. */
  bind(systemId: string, password: string): Promise<BindCheck>;
  ingest: SubmissionDeps['ingest'];
  sender: SubmissionDeps['sender'];
  log: SmppLog;
}

/**
 * Switchboard's SMPP 3.4 server for applications (ESMEs): they bind with an account's system_id
 * and password, submit SMS to subscribers (stored in their mailbox) or to outside numbers (a
 * delivery for the queue), and get delivery receipts as deliver_sm.
 */
export class SmppServer {
  private readonly server: Server;
  private readonly sessions = new Set<SmppSession>();
  private readonly sockets = new Set<Socket>();
  private readonly bound = new Map<SmppSession, BoundAccount>();
  readonly receipts: ApplicationReceipts;
  private readonly submissions: ApplicationSubmissions;
  private readonly sessionOptions: SessionOptions;

  constructor(
    private readonly deps: SmppServerDeps,
    private readonly options: SmppServerOptions,
  ) {
    this.sessionOptions = {
      serverId: 'Switchboard',
      maxPduBytes: MAX_PDU_BYTES,
      window: options.window,
      bindTimeoutMs: options.bindTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      responseTimeoutMs: options.responseTimeoutMs,
    };
    this.receipts = new ApplicationReceipts(
      (accountId) => this.sessionsOf(accountId),
      { maxPending: options.maxPendingReceipts, retryMs: options.receiptRetryMs, maxAttempts: 5 },
      deps.log,
    );
    this.submissions = new ApplicationSubmissions(
      { ingest: deps.ingest, sender: deps.sender, receipts: this.receipts, log: deps.log },
      { concatTimeoutMs: options.concatTimeoutMs, maxPendingTexts: options.maxPendingTexts },
    );
    this.server = createServer((socket) => this.connected(socket));
    this.server.on('error', (err) => deps.log.warn({ err }, 'SMPP server error'));
  }

  /** Listens and gives the port it got (0 picks a free one). */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** The queue ended a delivery (S, F or E): its receipt, if an application waits for one. */
  deliveryEnded(deliveryId: string, status: string): void {
    if (status === 'S' || status === 'F' || status === 'E')
      this.receipts.deliveryEnded(deliveryId, status);
  }

  /** Stops listening and closes every session; held parts are refused, unacknowledged. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.submissions.close();
    this.receipts.close();
    for (const session of [...this.sessions]) session.close();
    // A peer that never closes its side would hold the shutdown: a second's grace, then gone.
    const grace = setTimeout(() => this.sockets.forEach((s) => s.destroy()), 1000);
    await closed;
    clearTimeout(grace);
  }

  private sessionsOf(accountId: string): SmppSession[] {
    return [...this.bound.entries()].filter(([, b]) => b.account.id === accountId).map(([s]) => s);
  }

  private connected(socket: Socket): void {
    // The package's lesson: a socket without an error listener takes the process down.
    socket.on('error', (err) =>
      this.deps.log.info({ remote: socket.remoteAddress, error: err.message }, 'SMPP socket error'),
    );
    if (this.sessions.size >= this.options.maxConnections) {
      this.deps.log.warn({ remote: socket.remoteAddress }, 'SMPP connection refused: too many');
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const session = new SmppSession(
      {
        remote: `${socket.remoteAddress}:${socket.remotePort}`,
        write: (bytes) => {
          if (socket.writable) socket.write(bytes);
        },
        end: () => socket.end(),
      },
      {
        bind: (s, systemId, password) => this.bind(s, systemId, password),
        submit: async (s, pdu) => {
          const bound = this.bound.get(s);
          if (!bound) return { status: Status.ESME_RINVBNDSTS };
          return this.submissions.submit(bound, pdu);
        },
        closed: (s) => {
          this.sessions.delete(s);
          this.bound.delete(s);
        },
      },
      this.sessionOptions,
      this.deps.log,
    );
    this.sessions.add(session);
    socket.on('data', (chunk: Buffer) => session.received(chunk));
    socket.on('close', () => session.close());
  }

  private async bind(session: SmppSession, systemId: string, password: string): Promise<number> {
    const check = await this.deps.bind(systemId, password);
    if (!check.ok) {
      this.deps.log.warn(
        { remote: session.remote, systemId, reason: check.reason },
        'SMPP bind refused',
      );
      // Unknown system_id and wrong password answer alike: a bind does not tell which exist.
      return check.reason === 'inactive-subscriber' ? Status.ESME_RBINDFAIL : Status.ESME_RINVPASWD;
    }
    if (this.sessionsOf(check.account.id).length >= this.options.maxSessionsPerAccount) {
      this.deps.log.warn(
        { remote: session.remote, systemId, limit: this.options.maxSessionsPerAccount },
        'SMPP bind refused: the account has all the sessions it may have',
      );
      return Status.ESME_RBINDFAIL;
    }
    if (session.state === 'closed') return Status.ESME_RBINDFAIL;
    session.accountId = check.account.id;
    this.bound.set(session, { account: check.account, subscriber: check.subscriber });
    if (session.mode !== 'transmitter') setImmediate(() => this.receipts.bound(check.account.id));
    return Status.ESME_ROK;
  }
}
