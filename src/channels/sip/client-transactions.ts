import type { SipMessage, SipRequest, SipResponse } from './protocol/message.js';
import { parseCSeq, parseVia } from './protocol/uri.js';

export interface Target {
  transport: 'UDP' | 'TCP';
  address: string;
  port: number;
}

/** RFC 3261 timers: T1 the first retransmission, T2 the longest gap, 64*T1 the give-up. */
const T1 = 500;
const T2 = 4000;
const TIMEOUT = 64 * T1;

/** Where a response goes: its top Via's branch and its CSeq method (RFC 3261 17.1.3). */
function transactionKey(message: SipMessage): { branch: string; method: string } | null {
  try {
    const branch = parseVia(message.headers.values('via')[0] ?? '').params.branch;
    const method = parseCSeq(message.headers.get('cseq') ?? '').method;
    return branch ? { branch, method } : null;
  } catch {
    return null;
  }
}

/**
 * Non-INVITE client transactions (RFC 3261 17.1.2) for the requests Switchboard sends (NOTIFY,
 * BYE, REFER, CANCEL): retransmitted over UDP with backoff until a final response or 32 s; over
 * TCP sent once. Responses are matched to their transaction by the top Via's branch and the
 * CSeq method (a CANCEL shares its INVITE's branch). Responses to INVITEs we sent, provisional
 * and retransmitted ones too, go to whoever `listenInvite`s on that branch
 * (invite-transaction.ts).
 */
export class ClientTransactions {
  private readonly pending = new Map<string, (response: SipResponse | null) => void>();
  private readonly invites = new Map<string, (response: SipResponse) => void>();

  constructor(private readonly transmit: (target: Target, message: SipMessage) => boolean) {}

  /** Sends a message outside any transaction of this class (an INVITE, an ACK). */
  send(target: Target, message: SipMessage): boolean {
    return this.transmit(target, message);
  }

  /** Every response to the INVITE with this branch goes to `onResponse` until the returned stop. */
  listenInvite(branch: string, onResponse: (response: SipResponse) => void): () => void {
    this.invites.set(branch, onResponse);
    return () => {
      if (this.invites.get(branch) === onResponse) this.invites.delete(branch);
    };
  }

  request(target: Target, request: SipRequest): Promise<SipResponse | null> {
    const key = transactionKey(request);
    const id = key ? `${key.branch}|${key.method}` : '';
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const finish = (response: SipResponse | null) => {
        timers.forEach(clearTimeout);
        this.pending.delete(id);
        resolve(response);
      };
      this.pending.set(id, finish);
      if (!this.transmit(target, request)) return finish(null);
      if (target.transport === 'UDP') {
        let wait = T1;
        const again = () => {
          if (!this.pending.has(id)) return;
          this.transmit(target, request);
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
    const key = transactionKey(response);
    if (!key) return false;
    if (key.method === 'INVITE') {
      const invite = this.invites.get(key.branch);
      invite?.(response);
      return Boolean(invite);
    }
    const finish = this.pending.get(`${key.branch}|${key.method}`);
    if (!finish || response.status < 200) return Boolean(finish);
    finish(response);
    return true;
  }

  /** Gives up on everything in flight (server shutdown). */
  close(): void {
    for (const finish of [...this.pending.values()]) finish(null);
    this.invites.clear();
  }
}
