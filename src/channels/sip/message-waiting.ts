import { randomBytes } from 'node:crypto';
import { messageSummary } from '../../core/message-summary.js';
import type { Bus } from '../../core/ports.js';
import type { ClientTransactions, Target } from './client-transactions.js';
import type { DigestGuard } from './digest-guard.js';
import { SipHeaders } from './protocol/headers.js';
import type { SipRequest, SipResponse } from './protocol/message.js';
import { parseNameAddr, parseUri } from './protocol/uri.js';
import type { Binding } from './registrar.js';
import { newTag, responseTo } from './responses.js';
import type { SipPeer } from './transport.js';

type Counts = Array<{ type: string; read: boolean; urgent: boolean; count: number }>;

interface Subscription {
  subscriberId: string;
  account: string;
  callId: string;
  localTag: string;
  /** The SUBSCRIBE's From value (with the phone's tag): our NOTIFY's To. */
  remote: string;
  remoteTarget: string;
  target: Target;
  cseq: number;
  expiresAt: number;
}

export interface MessageWaitingDeps {
  guard: DigestGuard;
  transactions: ClientTransactions;
  bus: Bus;
  counts(subscriberId: string): Promise<Counts>;
  bindings(subscriberId: string): Binding[];
  /** Where phones reach us, for Via and Contact of our NOTIFYs. */
  local(): { host: string; port: number };
  maxExpires: number;
  log(event: string, detail: object): void;
}

const EVENT = 'message-summary';
/** Changes in a burst (a message stored, then its rendition) give one NOTIFY. */
const SETTLE_MS = 200;

/**
 * Message-waiting lights (RFC 3842): phones SUBSCRIBE to `message-summary` for their own account
 * and get a NOTIFY at once and at every change of their inbox; registered phones that do not
 * subscribe get unsolicited NOTIFYs (what many desk phones expect).
 */
export class MessageWaiting {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly watching = new Map<string, () => void>();
  private readonly settling = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: MessageWaitingDeps) {}

  async subscribe(request: SipRequest, peer: SipPeer): Promise<SipResponse> {
    const event = (request.headers.get('event') ?? '').split(';')[0]!.trim().toLowerCase();
    if (event !== EVENT) return responseTo(request, peer, 489, [['Allow-Events', EVENT]]);
    const proven = await this.deps.guard.check(request, peer);
    if ('kind' in proven) return proven;
    const to = parseNameAddr(request.headers.get('to')!);
    let account;
    try {
      account = parseUri(to.uri);
    } catch {
      return responseTo(request, peer, 400, [], { reason: 'Bad To URI' });
    }
    // Only one's own mailbox: the lights must not tell anyone about someone else's messages.
    if (account.user !== proven.username) return responseTo(request, peer, 403);
    const callId = request.headers.get('call-id')!;
    const asked = Number(request.headers.get('expires') ?? this.deps.maxExpires);
    const expires = Number.isFinite(asked) ? Math.max(0, Math.min(asked, this.deps.maxExpires)) : 0;
    const existing = this.subscriptions.get(callId);
    const localTag = existing?.localTag ?? to.params.tag ?? newTag();
    const contact = request.headers.get('contact');
    const subscription: Subscription = {
      subscriberId: proven.subscriber.id,
      account: `sip:${account.user}@${account.host}`,
      callId,
      localTag,
      remote: request.headers.get('from')!,
      remoteTarget: contact ? parseNameAddr(contact).uri : `sip:${peer.address}:${peer.port}`,
      target: { transport: peer.transport, address: peer.address, port: peer.port },
      cseq: existing?.cseq ?? 0,
      expiresAt: Date.now() + expires * 1000,
    };
    if (expires === 0) this.subscriptions.delete(callId);
    else this.subscriptions.set(callId, subscription);
    this.watch(subscription.subscriberId);
    // RFC 6665 4.2.1.2: a NOTIFY right after the 200, with the state as it is now.
    setTimeout(() => void this.notify(subscription, expires === 0), 10);
    this.deps.log('mwi subscription', { subscriber: subscription.subscriberId, expires });
    const local = this.deps.local();
    return responseTo(
      request,
      peer,
      200,
      [
        ['Expires', String(expires)],
        ['Contact', `<sip:switchboard@${local.host}:${local.port}>`],
      ],
      { toTag: localTag },
    );
  }

  /** A phone registered: show it the lights now, and keep it up to date. */
  registered(subscriberId: string): void {
    this.watch(subscriberId);
    this.changed(subscriberId);
  }

  private watch(subscriberId: string): void {
    if (this.watching.has(subscriberId)) return;
    this.watching.set(
      subscriberId,
      this.deps.bus.subscribe(`mailbox.${subscriberId}`, () => this.changed(subscriberId)),
    );
  }

  private changed(subscriberId: string): void {
    clearTimeout(this.settling.get(subscriberId));
    this.settling.set(
      subscriberId,
      setTimeout(() => {
        this.settling.delete(subscriberId);
        void this.notifyAll(subscriberId);
      }, SETTLE_MS),
    );
  }

  private async notifyAll(subscriberId: string): Promise<void> {
    const now = Date.now();
    const subscriptions = [...this.subscriptions.values()].filter(
      (s) => s.subscriberId === subscriberId && s.expiresAt > now,
    );
    for (const s of subscriptions) void this.notify(s, false);
    const subscribed = new Set(subscriptions.map((s) => `${s.target.address}:${s.target.port}`));
    const bindings = this.deps.bindings(subscriberId);
    for (const b of bindings)
      if (!subscribed.has(`${b.address}:${b.port}`)) void this.unsolicited(b, subscriberId);
    if (subscriptions.length === 0 && bindings.length === 0) {
      this.watching.get(subscriberId)?.();
      this.watching.delete(subscriberId);
    }
  }

  private async body(subscriberId: string, account: string): Promise<Buffer> {
    return Buffer.from(messageSummary(await this.deps.counts(subscriberId), account));
  }

  private async notify(s: Subscription, terminated: boolean): Promise<void> {
    const remaining = Math.max(0, Math.round((s.expiresAt - Date.now()) / 1000));
    s.cseq += 1;
    const request = this.request(s.remoteTarget, s.target, [
      ['From', `<${s.account}>;tag=${s.localTag}`],
      ['To', s.remote],
      ['Call-ID', s.callId],
      ['CSeq', `${s.cseq} NOTIFY`],
      [
        'Subscription-State',
        terminated || remaining === 0 ? 'terminated;reason=timeout' : `active;expires=${remaining}`,
      ],
    ]);
    request.body = await this.body(s.subscriberId, s.account);
    const answer = await this.deps.transactions.request(s.target, request);
    // The phone forgot the subscription (481) or is gone: stop sending to it.
    if (!answer || answer.status === 481) this.subscriptions.delete(s.callId);
  }

  private async unsolicited(b: Binding, subscriberId: string): Promise<void> {
    let account: string;
    try {
      const contact = parseUri(b.contact);
      account = `sip:${contact.user ?? ''}@${this.deps.local().host}`;
    } catch {
      return;
    }
    const aor = b.aor ?? account;
    const request = this.request(b.contact, b, [
      ['From', `<${aor}>;tag=${newTag()}`],
      ['To', `<${aor}>`],
      ['Call-ID', `${randomBytes(10).toString('hex')}@switchboard`],
      ['CSeq', '1 NOTIFY'],
    ]);
    request.body = await this.body(subscriberId, aor);
    await this.deps.transactions.request(b, request);
  }

  private request(uri: string, target: Target, headers: Array<[string, string]>): SipRequest {
    const local = this.deps.local();
    return {
      kind: 'request',
      method: 'NOTIFY',
      uri,
      headers: new SipHeaders([
        [
          'Via',
          `SIP/2.0/${target.transport} ${local.host}:${local.port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`,
        ],
        ['Max-Forwards', '70'],
        ...headers,
        ['Contact', `<sip:switchboard@${local.host}:${local.port}>`],
        ['Event', EVENT],
        ['Content-Type', 'application/simple-message-summary'],
      ]),
      body: Buffer.alloc(0),
    };
  }

  close(): void {
    for (const t of this.settling.values()) clearTimeout(t);
    for (const stop of this.watching.values()) stop();
  }
}
