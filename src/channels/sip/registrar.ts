import type { Subscriber } from '../../core/subscriber.js';
import {
  challenge,
  NonceIssuer,
  parseDigest,
  verifyDigest,
  type DigestAlgorithm,
} from './protocol/digest.js';
import type { SipRequest, SipResponse } from './protocol/message.js';
import { parseNameAddr, parseUri } from './protocol/uri.js';
import { responseTo } from './responses.js';
import type { SipPeer } from './transport.js';

/** What the registrar needs from the directory: digest credentials by SIP user name and realm. */
export interface SipCredentialSource {
  sipCredentials(
    username: string,
    realm: string,
  ): Promise<{ subscriber: Subscriber; md5: string | null; sha256: string | null } | null>;
}

/** One phone's registration: where to reach it, until when. */
export interface Binding {
  subscriberId: string;
  contact: string;
  expiresAt: number;
  transport: 'UDP' | 'TCP';
  address: string;
  port: number;
  callId: string;
  userAgent: string | null;
}

export interface RegistrarOptions {
  realm: string;
  /** Challenges offered, in this order (clients take the first they support). */
  algorithms: DigestAlgorithm[];
  minExpires: number;
  maxExpires: number;
}

export interface RegistrarEvents {
  registered?(binding: Binding): void;
  refused?(reason: string, peer: Pick<SipPeer, 'address' | 'port'>, username: string | null): void;
}

/**
 * REGISTER (RFC 3261 10) with digest authentication against the subscriber's SIP secret, MD5
 * (RFC 2617) and SHA-256 (RFC 8760) challenges in the configured order. Bindings live in memory on this node; phones
 * refresh them well before they expire, so a restart costs at most one refresh interval.
 */
export class Registrar {
  private readonly bindings = new Map<string, Binding[]>();

  constructor(
    private readonly directory: SipCredentialSource,
    private readonly nonces: NonceIssuer,
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
    const realm = this.options.realm;
    const challengeResponse = (stale = false) => {
      const nonce = this.nonces.issue();
      return responseTo(
        request,
        peer,
        401,
        this.options.algorithms.map((algorithm) => [
          'WWW-Authenticate',
          challenge({ realm, nonce, algorithm, stale }),
        ]),
      );
    };
    const authorization = request.headers
      .lines('authorization')
      .map(parseDigest)
      .find((p) => p?.realm === realm);
    if (!authorization?.username) return challengeResponse();
    const freshness = this.nonces.check(authorization.nonce ?? '');
    if (freshness === 'stale') return challengeResponse(true);
    const refuse = (reason: string) => {
      this.events.refused?.(reason, peer, authorization.username ?? null);
      return responseTo(request, peer, 403);
    };
    if (freshness === 'invalid') return refuse('a nonce we did not issue');
    const credentials = await this.directory.sipCredentials(authorization.username, realm);
    const sha = (authorization.algorithm ?? 'MD5').toUpperCase() === 'SHA-256';
    const ha1 = sha ? credentials?.sha256 : credentials?.md5;
    if (!credentials || !ha1 || !verifyDigest(authorization, 'REGISTER', ha1))
      return refuse('wrong user name or SIP secret');
    // One may register only one's own address of record.
    let aor;
    try {
      aor = parseUri(parseNameAddr(request.headers.get('to')!).uri);
    } catch {
      return responseTo(request, peer, 400, [], { reason: 'Bad To URI' });
    }
    if (aor.user !== authorization.username)
      return refuse(`${aor.user} is not ${authorization.username}`);
    return this.update(request, peer, credentials.subscriber.id);
  }

  private update(request: SipRequest, peer: SipPeer, subscriberId: string): SipResponse {
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
