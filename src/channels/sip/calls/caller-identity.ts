import type { BlockList } from 'node:net';
import { inNetworks } from '../../../lib/networks.js';
import type { DigestGuard } from '../digest-guard.js';
import type { SipRequest, SipResponse } from '../protocol/message.js';
import { parseNameAddr, parseUri } from '../protocol/uri.js';
import type { SipPeer } from '../transport.js';

/** Who called, and whether we can vouch for it. */
export interface CallerId {
  /** tel:+number or sip:user@host. */
  address: string;
  verified: boolean;
  /** Why it is (or is not) verified, for the message's record and the log. */
  basis: 'registered phone' | 'trusted trunk' | 'as given';
}

export interface CallerIdentityDeps {
  guard: DigestGuard;
  /** Networks of trunks and gateways whose P-Asserted-Identity is believed (RFC 3325). */
  trustedTrunks: BlockList;
  /** Whether an address is one of our subscribers' (claiming it calls for proof). */
  isSubscriber(address: string): Promise<boolean>;
}

/** The caller as an address: tel:+number when the user part is one, else the SIP URI. */
export function addressOf(uri: string): string {
  try {
    const u = parseUri(uri);
    if (u.scheme === 'tel' || (u.user && /^\+?[0-9]{3,15}$/.test(u.user)))
      return `tel:${u.user!.startsWith('+') ? u.user : `+${u.user}`}`;
    return u.user ? `sip:${u.user}@${u.host}` : `sip:${u.host}`;
  } catch {
    return 'sip:anonymous@anonymous.invalid';
  }
}

/**
 * Caller ids are easy to forge, so one is trusted only two ways: the caller proves to be a
 * subscriber with digest authentication (a registered phone calling in), or the call comes from
 * a configured trusted trunk, whose P-Asserted-Identity names the caller. A call that claims a
 * subscriber's identity from anywhere else is challenged (407); everything else is shown as
 * given, unverified. P-Asserted-Identity from untrusted sources is ignored.
 */
export async function identifyCaller(
  request: SipRequest,
  peer: SipPeer,
  deps: CallerIdentityDeps,
): Promise<CallerId | SipResponse> {
  const claimed = addressOf(parseNameAddr(request.headers.get('from')!).uri);
  if (inNetworks(deps.trustedTrunks, peer.address)) {
    const asserted = request.headers.values('p-asserted-identity')[0];
    if (asserted) {
      try {
        return {
          address: addressOf(parseNameAddr(asserted).uri),
          verified: true,
          basis: 'trusted trunk',
        };
      } catch {
        // An unreadable assertion vouches for nothing.
      }
    }
    return { address: claimed, verified: false, basis: 'as given' };
  }
  if (!(await deps.isSubscriber(claimed).catch(() => false)))
    return { address: claimed, verified: false, basis: 'as given' };
  const proof = await deps.guard.check(request, peer, true);
  if ('kind' in proof) return proof;
  const proven = proof.subscriber.addresses.includes(claimed);
  return {
    address: proven ? claimed : (proof.subscriber.addresses[0] ?? claimed),
    verified: true,
    basis: 'registered phone',
  };
}
