import { networkInterfaces } from 'node:os';
import { ClientTransactions } from './client-transactions.js';
import type { SipRequest, SipResponse } from './protocol/message.js';
import { DEFAULT_SIP_LIMITS } from './protocol/message.js';
import { parseVia } from './protocol/uri.js';
import { responseTo } from './responses.js';
import { SipTransport, type SipPeer } from './transport.js';

export interface SipServerOptions {
  host: string;
  port: number;
  /** The host phones reach us at, for Via and Contact; null to work it out from `host`. */
  publicHost: string | null;
  maxMessageBytes: number;
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

export type SipHandler = (request: SipRequest, peer: SipPeer) => Promise<SipResponse> | SipResponse;

/** How long a non-INVITE server transaction keeps its answer for retransmissions (Timer J, 64*T1). */
const TRANSACTION_MS = 32_000;

/** A wildcard listen address says nothing to a phone: use this machine's first outside IPv4. */
function reachableHost(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  return '127.0.0.1';
}

/**
 * The SIP side of Switchboard: one transport (UDP and TCP), non-INVITE server transactions that
 * answer retransmissions from memory, client transactions for what we send, and dispatch by
 * method. What is not implemented gets 501; malformed input is logged and dropped; no request
 * can crash the process.
 */
export class SipServer {
  private readonly transport: SipTransport;
  readonly transactions: ClientTransactions;
  private readonly handlers = new Map<string, SipHandler>();
  private readonly answered = new Map<string, { response: SipResponse | null; until: number }>();
  private sweeper: NodeJS.Timeout | null = null;
  private boundPort = 0;
  private ackHandler: ((request: SipRequest) => void) | null = null;
  /** INVITEs answered with a failure over UDP, resent until their ACK (RFC 3261 17.2.1). */
  private readonly awaitingAck = new Map<string, () => void>();

  constructor(private readonly options: SipServerOptions) {
    this.transport = new SipTransport(
      { ...DEFAULT_SIP_LIMITS, maxMessageBytes: options.maxMessageBytes },
      {
        message: (message, peer) => {
          if (message.kind === 'request')
            // Last line of defence: whatever a request does, it must not end the process.
            this.request(message, peer).catch((err: unknown) =>
              options.logger.warn(
                { err: (err as Error).message, method: message.method },
                'SIP request dropped',
              ),
            );
          else this.transactions.response(message);
        },
        refused: (error, peer) =>
          options.logger.warn(
            { remote: `${peer.transport} ${peer.address}:${peer.port}`, error: error.message },
            'SIP message refused',
          ),
      },
    );
    this.transactions = new ClientTransactions((target, message) =>
      this.transport.sendTo(target, message),
    );
    this.handle('OPTIONS', (request, peer) =>
      responseTo(request, peer, 200, [
        ['Allow', this.allow()],
        ['Accept', 'application/sdp'],
      ]),
    );
  }

  handle(method: string, handler: SipHandler): void {
    this.handlers.set(method, handler);
  }

  /** ACKs (which get no answer) go here. */
  onAck(handler: (request: SipRequest) => void): void {
    this.ackHandler = handler;
  }

  /** Where phones reach this server. */
  local(): { host: string; port: number } {
    return {
      host: this.options.publicHost ?? reachableHost(this.options.host),
      port: this.boundPort,
    };
  }

  async listen(): Promise<number> {
    this.boundPort = await this.transport.listen(this.options.port, this.options.host);
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [key, t] of this.answered) if (t.until < now) this.answered.delete(key);
    }, 5000);
    this.sweeper.unref();
    return this.boundPort;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const done of [...this.awaitingAck.values()]) done();
    this.transactions.close();
    await this.transport.close();
  }

  private allow(): string {
    return [...this.handlers.keys(), ...(this.ackHandler ? ['ACK'] : [])].join(', ');
  }

  private async request(request: SipRequest, peer: SipPeer): Promise<void> {
    // RFC 3261 17.2.3: the top Via's branch (with the method) names the server transaction.
    let key: string;
    try {
      const via = parseVia(request.headers.values('via')[0]!);
      key = `${via.params.branch ?? request.headers.get('call-id')}|${via.host}:${via.port ?? ''}|${request.method}`;
    } catch {
      return peer.send(responseTo(request, peer, 400, [], { reason: 'Bad Via' }));
    }
    // ACK has no answer (RFC 3261 17.1.1.3). For a failure it shares the INVITE's branch and
    // ends that transaction; for a 2xx it is the dialog's (a new branch), for the call.
    if (request.method === 'ACK') {
      const invite = this.awaitingAck.get(key.replace(/\|ACK$/, '|INVITE'));
      if (invite) return invite();
      return this.ackHandler?.(request);
    }
    // Stops the caller retransmitting the INVITE while we prepare the call.
    if (request.method === 'INVITE') peer.send(responseTo(request, peer, 100));
    const seen = this.answered.get(key);
    if (seen) {
      if (seen.response) peer.send(seen.response);
      return;
    }
    this.answered.set(key, { response: null, until: Date.now() + TRANSACTION_MS });
    let response: SipResponse;
    try {
      const handler = this.handlers.get(request.method);
      response = handler
        ? await handler(request, peer)
        : responseTo(request, peer, 501, [['Allow', this.allow()]]);
    } catch (err) {
      this.options.logger.warn(
        { err: (err as Error).message, method: request.method },
        'SIP request failed',
      );
      response = responseTo(request, peer, 500);
    }
    this.answered.set(key, { response, until: Date.now() + TRANSACTION_MS });
    peer.send(response);
    if (request.method === 'INVITE' && response.status >= 300 && peer.transport === 'UDP')
      this.resendUntilAcked(key, () => peer.send(response));
  }

  /** Timer G: the failure again at 500 ms, doubling to 4 s, until the ACK or 32 s (Timer H). */
  private resendUntilAcked(key: string, send: () => void): void {
    let wait = 500;
    let timer: NodeJS.Timeout;
    const started = Date.now();
    const done = () => {
      clearTimeout(timer);
      this.awaitingAck.delete(key);
    };
    const again = () => {
      if (Date.now() - started > TRANSACTION_MS) return done();
      send();
      wait = Math.min(wait * 2, 4000);
      timer = setTimeout(again, wait).unref();
    };
    timer = setTimeout(again, wait).unref();
    this.awaitingAck.set(key, done);
  }
}
