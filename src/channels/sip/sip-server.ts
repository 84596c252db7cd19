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

  constructor(private readonly options: SipServerOptions) {
    this.transport = new SipTransport(
      { ...DEFAULT_SIP_LIMITS, maxMessageBytes: options.maxMessageBytes },
      {
        message: (message, peer) => {
          if (message.kind === 'request') void this.request(message, peer);
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
    // ACK has no answer (RFC 3261 17.1.1.3); it ends the INVITE's 2xx retransmissions.
    if (request.method === 'ACK') return this.ackHandler?.(request);
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
  }
}
