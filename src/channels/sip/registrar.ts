import type { DigestGuard } from './digest-guard.js';
import type { SipRequest, SipResponse } from './protocol/message.js';
import { parseNameAddr, parseUri } from './protocol/uri.js';
import { responseTo } from './responses.js';
import type { SipPeer } from './transport.js';

/** One phone's registration: where to reach it, until when. */
export interface Binding {
  subscriberId: string;
  /** The address of record the phone registered (the To URI). */
  aor: string;
  contact: string;
  expiresAt: number;
  transport: 'UDP' | 'TCP';
  address: string;
  port: number;
  callId: string;
  userAgent: string | null;
}

export interface RegistrarOptions {
  minExpires: number;
  maxExpires: number;
}

export interface RegistrarEvents {
  registered?(binding: Binding): void;
}

/**
 * REGISTER (RFC 3261 10) with digest authentication against the subscriber's SIP secret, MD5
 * (RFC 2617) and SHA-256 (RFC 8760) challenges in the configured order. Bindings live in memory on this node; phones
 * refresh them well before they expire, so a restart costs at most one refresh interval.
 */
export class Registrar {
  private readonly bindings = new Map<string, Binding[]>();

  constructor(
    private readonly guard: DigestGuard,
    private readonly options: RegistrarOptions,
    private readonly events: RegistrarEvents = {},
  ) {}

  /** The live bindings of a subscriber, newest first. */
  bindingsOf(subscriberId: string, now = Date.now()): Binding[] {
    const live = (this.bindings.get(subscriberId) ?? []).filter((b) => b.expiresAt > now);
    if (live.length) this.bindings.set(subscriberId, live);
    else this.bindings.delete(subscriberId);
    return live;
  }

  /** Subscribers with at least one live binding (for NOTIFY to every registered phone). */
  registered(now = Date.now()): string[] {
    return [...this.bindings.keys()].filter((id) => this.bindingsOf(id, now).length > 0);
  }

  async register(request: SipRequest, peer: SipPeer): Promise<SipResponse> {
    const proven = await this.guard.check(request, peer);
    if ('kind' in proven) return proven;
    // One may register only one's own address of record.
    let aor;
    try {
      aor = parseUri(parseNameAddr(request.headers.get('to')!).uri);
    } catch {
      return responseTo(request, peer, 400, [], { reason: 'Bad To URI' });
    }
    if (aor.user !== proven.username) return responseTo(request, peer, 403);
    return this.update(request, peer, proven.subscriber.id, `sip:${aor.user}@${aor.host}`);
  }

  private update(
    request: SipRequest,
    peer: SipPeer,
    subscriberId: string,
    aor: string,
  ): SipResponse {
    const now = Date.now();
    const headerExpires = request.headers.get('expires');
    const callId = request.headers.get('call-id')!;
    let current = this.bindingsOf(subscriberId, now);
    for (const value of request.headers.values('contact')) {
      const contact = parseNameAddr(value);
      const asked = Number(contact.params.expires ?? headerExpires ?? this.options.maxExpires);
      if (!Number.isFinite(asked) || asked < 0)
        return responseTo(request, peer, 400, [], { reason: 'Bad Expires' });
      if (contact.uri === '*') {
        if (asked !== 0)
          return responseTo(request, peer, 400, [], { reason: 'Wildcard needs Expires: 0' });
        current = [];
        continue;
      }
      if (asked > 0 && asked < this.options.minExpires)
        return responseTo(request, peer, 423, [['Min-Expires', String(this.options.minExpires)]]);
      current = current.filter((b) => b.contact !== contact.uri);
      if (asked === 0) continue;
      const binding: Binding = {
        subscriberId,
        aor,
        contact: contact.uri,
        expiresAt: now + Math.min(asked, this.options.maxExpires) * 1000,
        transport: peer.transport,
        address: peer.address,
        port: peer.port,
        callId,
        userAgent: request.headers.get('user-agent') ?? null,
      };
      current.unshift(binding);
      this.events.registered?.(binding);
    }
    if (current.length) this.bindings.set(subscriberId, current);
    else this.bindings.delete(subscriberId);
    return responseTo(request, peer, 200, [
      ...current.map((b): [string, string] => [
        'Contact',
        `<${b.contact}>;expires=${Math.round((b.expiresAt - now) / 1000)}`,
      ]),
      ['Date', new Date(now).toUTCString()],
    ]);
  }
}
