import type { SipRequest, SipResponse } from './protocol/message.js';
import { DEFAULT_SIP_LIMITS } from './protocol/message.js';
import { parseVia } from './protocol/uri.js';
import type { Registrar } from './registrar.js';
import { responseTo } from './responses.js';
import { SipTransport, type SipPeer } from './transport.js';

export interface SipServerOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

const ALLOW = 'REGISTER, OPTIONS';
/** How long a non-INVITE server transaction keeps its answer for retransmissions (Timer J, 64*T1). */
const TRANSACTION_MS = 32_000;

/**
 * The SIP side of Switchboard: one transport (UDP and TCP), non-INVITE server transactions that
 * answer retransmissions from memory, and dispatch by method. What is not implemented gets 501,
 * malformed input is logged and dropped, and no request can crash the process.
 */
export class SipServer {
  private readonly transport: SipTransport;
  private readonly answered = new Map<string, { response: SipResponse | null; until: number }>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly registrar: Registrar,
    private readonly options: SipServerOptions,
  ) {
    this.transport = new SipTransport(
      { ...DEFAULT_SIP_LIMITS, maxMessageBytes: options.maxMessageBytes },
      {
        message: (message, peer) => {
          if (message.kind === 'request') void this.request(message, peer);
        },
        refused: (error, peer) =>
          options.logger.warn(
            { remote: `${peer.transport} ${peer.address}:${peer.port}`, error: error.message },
            'SIP message refused',
          ),
      },
    );
  }

  async listen(): Promise<number> {
    const port = await this.transport.listen(this.options.port, this.options.host);
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [key, t] of this.answered) if (t.until < now) this.answered.delete(key);
    }, 5000);
    this.sweeper.unref();
    return port;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.transport.close();
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
    if (request.method === 'ACK') return;
    const seen = this.answered.get(key);
    if (seen) {
      if (seen.response) peer.send(seen.response);
      return;
    }
    this.answered.set(key, { response: null, until: Date.now() + TRANSACTION_MS });
    let response: SipResponse;
    try {
      response = await this.handle(request, peer);
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

  private handle(request: SipRequest, peer: SipPeer): Promise<SipResponse> | SipResponse {
    switch (request.method) {
      case 'REGISTER':
        return this.registrar.register(request, peer);
      case 'OPTIONS':
        return responseTo(request, peer, 200, [
          ['Allow', ALLOW],
          ['Accept', 'application/sdp'],
        ]);
      default:
        return responseTo(request, peer, 501, [['Allow', ALLOW]]);
    }
  }
}
