import type { Subscriber } from '../../core/subscriber.js';
import {
  challenge,
  NonceIssuer,
  parseDigest,
  verifyDigest,
  type DigestAlgorithm,
} from './protocol/digest.js';
import type { SipRequest, SipResponse } from './protocol/message.js';
import { responseTo } from './responses.js';
import type { SipPeer } from './transport.js';

/** What digest checks need from the directory: credentials by SIP user name and realm. */
export interface SipCredentialSource {
  sipCredentials(
    username: string,
    realm: string,
  ): Promise<{ subscriber: Subscriber; md5: string | null; sha256: string | null } | null>;
}

export interface DigestGuardOptions {
  realm: string;
  /** Challenges offered, in this order (clients take the first they support). */
  algorithms: DigestAlgorithm[];
}

/**
 * Digest authentication of a request (REGISTER, SUBSCRIBE, INVITE from a phone) against the
 * subscriber's SIP secret: the subscriber it proves, or the response to send instead (a 401
 * challenge, or 403 for wrong credentials, reported through `refused`).
 */
export class DigestGuard {
  constructor(
    private readonly directory: SipCredentialSource,
    private readonly nonces: NonceIssuer,
    private readonly options: DigestGuardOptions,
    private readonly refused: (
      reason: string,
      peer: SipPeer,
      username: string | null,
    ) => void = () => undefined,
  ) {}

  /**
   * `asProxy` challenges with 407 and Proxy-Authenticate, as RFC 3261 22.3 has it for requests
   * like INVITE that a proxy or a B2BUA (which is what voicemail is to the caller) authenticates.
   */
  async check(
    request: SipRequest,
    peer: SipPeer,
    asProxy = false,
  ): Promise<{ subscriber: Subscriber; username: string } | SipResponse> {
    const realm = this.options.realm;
    const challengeResponse = (stale = false) => {
      const nonce = this.nonces.issue();
      return responseTo(
        request,
        peer,
        asProxy ? 407 : 401,
        this.options.algorithms.map((algorithm) => [
          asProxy ? 'Proxy-Authenticate' : 'WWW-Authenticate',
          challenge({ realm, nonce, algorithm, stale }),
        ]),
      );
    };
    const authorization = request.headers
      .lines(asProxy ? 'proxy-authorization' : 'authorization')
      .map(parseDigest)
      .find((p) => p?.realm === realm);
    if (!authorization?.username) return challengeResponse();
    const freshness = this.nonces.check(authorization.nonce ?? '');
    if (freshness === 'stale') return challengeResponse(true);
    const refuse = (reason: string) => {
      this.refused(reason, peer, authorization.username ?? null);
      return responseTo(request, peer, 403);
    };
    if (freshness === 'invalid') return refuse('a nonce we did not issue');
    const credentials = await this.directory.sipCredentials(authorization.username, realm);
    const sha = (authorization.algorithm ?? 'MD5').toUpperCase() === 'SHA-256';
    const ha1 = sha ? credentials?.sha256 : credentials?.md5;
    if (!credentials || !ha1 || !verifyDigest(authorization, request.method, ha1))
      return refuse('wrong user name or SIP secret');
    return { subscriber: credentials.subscriber, username: authorization.username };
  }
}
