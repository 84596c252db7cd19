import type { Target } from './client-transactions.js';
import { SipHeaders } from './protocol/headers.js';
import type { SipMessage, SipRequest, SipResponse } from './protocol/message.js';
import { parseCSeq, parseVia } from './protocol/uri.js';

/** What an INVITE client transaction needs of the transport (ClientTransactions has both). */
export interface InviteTransport {
  send(target: Target, message: SipMessage): boolean;
  listenInvite(branch: string, onResponse: (response: SipResponse) => void): () => void;
}

export interface InviteEvents {
  /** A 1xx: the far end is working on it (100) or ringing (180, 183). */
  provisional?(response: SipResponse): void;
  /**
   * A 2xx: the call is answered. Called again for each retransmission of a 2xx (the far end did
   * not hear our ACK yet, or another fork answered): the caller ACKs each, since for a 2xx the
   * ACK is the dialog's business, not the transaction's (RFC 3261 13.2.2.4).
   */
  success(response: SipResponse): void;
  /** A 3xx-6xx, once (its retransmissions are ACKed here); null after Timer B or a send failure. */
  failure(response: SipResponse | null): void;
}

/** T1 (RFC 3261 17.1.1.1): the first retransmission; everything else is a multiple of it. */
export const DEFAULT_T1 = 500;

/**
 * The INVITE client transaction (RFC 3261 17.1.1, with RFC 6026's Accepted state): over UDP the
 * INVITE is resent at T1, 2*T1, 4*T1, ... until any response (Timer A), and given up after 64*T1
 * without one (Timer B). A 1xx moves on to Proceeding, where only the caller's ring timeout and
 * CANCEL end the wait. A failure (3xx-6xx) is ACKed here, with the same branch, and the
 * transaction lingers to ACK its retransmissions (Timer D). A 2xx goes to the caller, and the
 * transaction listens 64*T1 longer for its retransmissions (Timer M).
 */
export class InviteClientTransaction {
  readonly branch: string;
  private state: 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated' = 'calling';
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unlisten: () => void;
  private ack: SipRequest | null = null;

  constructor(
    private readonly transport: InviteTransport,
    private readonly target: Target,
    readonly request: SipRequest,
    private readonly events: InviteEvents,
    private readonly t1 = DEFAULT_T1,
  ) {
    this.branch = parseVia(request.headers.values('via')[0]!).params.branch ?? '';
    this.unlisten = transport.listenInvite(this.branch, (r) => this.response(r));
    if (!transport.send(target, request)) {
      this.terminate();
      queueMicrotask(() => events.failure(null));
      return;
    }
    if (target.transport === 'UDP') this.retransmit(t1);
    this.later(64 * t1, () => {
      if (this.state !== 'calling') return;
      this.terminate();
      events.failure(null);
    });
  }

  /** Whether a provisional response has come (a CANCEL may only be sent after one, RFC 3261 9.1). */
  get proceeding(): boolean {
    return this.state === 'proceeding';
  }

  /** Stops listening and every timer (the call is over, or the server shuts down). */
  terminate(): void {
    this.state = 'terminated';
    this.timers.forEach(clearTimeout);
    this.timers.length = 0;
    this.unlisten();
  }

  /** A timer; one that only lingers for retransmissions (D, M) does not keep the process up. */
  private later(ms: number, run: () => void, linger = false): void {
    const timer = setTimeout(run, ms);
    if (linger) timer.unref();
    this.timers.push(timer);
  }

  /** Timer A: doubles every time, with no T2 cap for INVITE (RFC 3261 17.1.1.2). */
  private retransmit(wait: number): void {
    this.later(wait, () => {
      if (this.state !== 'calling') return;
      this.transport.send(this.target, this.request);
      this.retransmit(wait * 2);
    });
  }

  private response(response: SipResponse): void {
    try {
      if (parseCSeq(response.headers.get('cseq') ?? '').method !== 'INVITE') return;
    } catch {
      return;
    }
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          this.state = 'proceeding';
          this.events.provisional?.(response);
        } else if (status < 300) {
          this.state = 'accepted';
          this.timers.forEach(clearTimeout);
          this.later(64 * this.t1, () => this.terminate(), true);
          this.events.success(response);
        } else {
          this.state = 'completed';
          this.timers.forEach(clearTimeout);
          this.ack = ackForFailure(this.request, response);
          this.transport.send(this.target, this.ack);
          // Timer D: 32 s over UDP to absorb retransmitted failures, none over TCP.
          this.later(
            this.target.transport === 'UDP' ? 64 * this.t1 : 0,
            () => this.terminate(),
            true,
          );
          this.events.failure(response);
        }
        return;
      case 'accepted':
        if (status >= 200 && status < 300) this.events.success(response);
        return;
      case 'completed':
        // The far end did not hear our ACK: it resends the failure, we resend the ACK.
        if (status >= 300 && this.ack) this.transport.send(this.target, this.ack);
        return;
      case 'terminated':
        return;
    }
  }
}

/**
 * The ACK for a failure (RFC 3261 17.1.1.3): the INVITE's Request-URI, top Via (same branch),
 * From, Call-ID, CSeq number and Route headers; the To of the response (with the far end's tag).
 */
export function ackForFailure(invite: SipRequest, response: SipResponse): SipRequest {
  const cseq = parseCSeq(invite.headers.get('cseq')!);
  const headers = new SipHeaders([
    ['Via', invite.headers.values('via')[0]!],
    ['Max-Forwards', '70'],
    ['From', invite.headers.get('from')!],
    ['To', response.headers.get('to') ?? invite.headers.get('to')!],
    ['Call-ID', invite.headers.get('call-id')!],
    ['CSeq', `${cseq.seq} ACK`],
  ]);
  for (const route of invite.headers.lines('route')) headers.add('Route', route);
  return { kind: 'request', method: 'ACK', uri: invite.uri, headers, body: Buffer.alloc(0) };
}
