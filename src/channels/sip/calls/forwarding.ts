import type { SipRequest } from '../protocol/message.js';
import { parseNameAddr, parseUri } from '../protocol/uri.js';

/** Which greeting a forwarded caller hears: the subscriber was on the phone, or did not answer. */
export type GreetingKind = 'busy' | 'unavailable';

/** Whose mailbox a call is for and why it came to voicemail. */
export interface Forwarding {
  /** The URI naming the mailbox (the subscriber whose call was forwarded, or the one called). */
  mailboxUri: string;
  reason: GreetingKind;
  /** How the reason was learnt, for the log. */
  source: 'rfc4458' | 'diversion' | 'direct';
}

/** RFC 4458 `cause` values (SIP status codes) that mean the subscriber was busy. */
const BUSY_CAUSES = new Set(['486', '600']);
/** RFC 5806 Diversion reasons that mean the same. */
const BUSY_REASONS = new Set(['user-busy']);

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Reads why a call reached voicemail. A switch or trunk forwarding a call either says so in the
 * Request-URI (RFC 4458: `sip:voicemail@host;target=<subscriber>;cause=486`) or adds a Diversion
 * header (RFC 5806) naming the subscriber and a reason; the newest diversion (the first) names
 * the mailbox, since that is whose phone sent the call on. A call made straight to a subscriber
 * reaches their mailbox with the unavailable greeting.
 */
export function forwardingOf(request: SipRequest): Forwarding {
  let uriParams: Record<string, string | null> = {};
  try {
    uriParams = parseUri(request.uri).params;
  } catch {
    // A Request-URI we cannot read names no mailbox; the caller gets 404 from the lookup.
  }
  const target = uriParams['target'];
  if (target) {
    const cause = uriParams['cause'] ?? '';
    return {
      mailboxUri: decoded(target),
      reason: BUSY_CAUSES.has(cause) ? 'busy' : 'unavailable',
      source: 'rfc4458',
    };
  }
  const diversion = request.headers.values('diversion')[0];
  if (diversion) {
    try {
      const entry = parseNameAddr(diversion);
      const reason = (entry.params['reason'] ?? '').toLowerCase();
      return {
        mailboxUri: entry.uri,
        reason: BUSY_REASONS.has(reason) ? 'busy' : 'unavailable',
        source: 'diversion',
      };
    } catch {
      // An unreadable Diversion is ignored: the call is taken as made to the Request-URI.
    }
  }
  return { mailboxUri: request.uri, reason: 'unavailable', source: 'direct' };
}
