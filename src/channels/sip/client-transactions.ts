import type { SipMessage, SipRequest, SipResponse } from './protocol/message.js';
import { parseVia } from './protocol/uri.js';

export interface Target {
  transport: 'UDP' | 'TCP';
  address: string;
  port: number;
}

/** RFC 3261 timers: T1 the first retransmission, T2 the longest gap, 64*T1 the give-up. */
const T1 = 500;
const T2 = 4000;
const TIMEOUT = 64 * T1;

/**
 * Non-INVITE client transactions (RFC 3261 17.1.2) for the requests Switchboard sends (NOTIFY):
 * retransmitted over UDP with backoff until a final response or 32 s; over TCP sent once.
 * Responses are matched to their transaction by the top Via's branch.
 */
export class ClientTransactions {
  private readonly pending = new Map<string, (response: SipResponse | null) => void>();

  constructor(private readonly send: (target: Target, message: SipMessage) => boolean) {}

  request(target: Target, request: SipRequest): Promise<SipResponse | null> {
    const branch = parseVia(request.headers.values('via')[0]!).params.branch ?? '';
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const finish = (response: SipResponse | null) => {
        timers.forEach(clearTimeout);
        this.pending.delete(branch);
        resolve(response);
      };
      this.pending.set(branch, finish);
      if (!this.send(target, request)) return finish(null);
      if (target.transport === 'UDP') {
        let wait = T1;
        const again = () => {
          if (!this.pending.has(branch)) return;
          this.send(target, request);
          wait = Math.min(wait * 2, T2);
          timers.push(setTimeout(again, wait));
        };
        timers.push(setTimeout(again, wait));
      }
      timers.push(setTimeout(() => finish(null), TIMEOUT));
    });
  }

  /** A response from the network: true when it ended one of our transactions. */
  response(response: SipResponse): boolean {
    let branch: string | undefined;
    try {
      branch = parseVia(response.headers.values('via')[0] ?? '').params.branch ?? undefined;
    } catch {
      return false;
    }
    const finish = branch ? this.pending.get(branch) : undefined;
    if (!finish || response.status < 200) return Boolean(finish);
    finish(response);
    return true;
  }

  /** Gives up on everything in flight (server shutdown). */
  close(): void {
    for (const finish of [...this.pending.values()]) finish(null);
  }
}
