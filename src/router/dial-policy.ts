import type { CdrStore } from '../core/delivery-ports.js';
import { microsToPrice, type Rate } from '../core/delivery.js';
import { monthStart, spendRefusal } from '../billing/spend-check.js';

export interface DialPolicyOptions {
  /** E.164 prefixes calls may go to ("+" alone: every number). */
  allowedPrefixes: readonly string[];
  /** Whether `allowedPrefixes` is the default (the owned number ranges), for the refusal's wording. */
  prefixesFromNumberRanges: boolean;
  /** Our own SIP domains: always allowed. */
  ownDomains: readonly string[];
  /** Other SIP domains calls may go to. */
  allowedDomains: readonly string[];
  /** The most all calls together may cost per calendar month, in `currency`; null for no limit. */
  globalLimitMicros: number | null;
  currency: string;
  /** The resource type whose CDRs are calls (their spend counts towards the global limit). */
  callResourceType: string;
}

/** A call about to be placed, as the spend checks need it. */
export interface DialRequest {
  destination: string;
  /** Who pays (the sender of a delivery, the subscriber asking for a call-back); null: nobody. */
  subscriberId: string | null;
  /** The price per unit of the resource carrying the call (none: it costs nothing). */
  rate: Rate | null;
  currency: string;
  /** How many units (seconds) the call is expected to last. */
  expectedUnits: number;
  now?: Date;
}

/** A refused call: the destination is not allowed, or a spend limit would be passed. */
export interface DialRefusal {
  kind: 'destination' | 'spend-limit' | 'global-limit';
  reason: string;
}

/** A user part of digits that is a telephone number: with a +, or longer than an extension. */
const PHONE_USER = /^(?:\+[0-9]{1,15}|[0-9]{7,15})$/;

/**
 * The outbound dial policy (toll-fraud protection): every call Switchboard places, and every
 * destination it sends callers to, passes it first. Numbers must start with an allowed prefix
 * (by default only our own number ranges: nothing abroad); SIP URIs must be in our domains or an
 * allowed one, and a number as a SIP user part is a number all the same; a call may not take
 * its payer past their spend limit, nor all calls together past the global monthly limit. A
 * refusal says why in words an operator or a sender can act on, naming the setting.
 */
export class DialPolicy {
  constructor(
    private readonly options: DialPolicyOptions,
    private readonly cdrs: Pick<CdrStore, 'spentSince' | 'spendLimit' | 'spentOnTypeSince'> | null,
  ) {}

  /** Why a destination may not be called at all, or null when it may. */
  destinationRefusal(destination: string): string | null {
    const text = destination.trim();
    const tel = /^tel:(\+?[0-9().-]+)(?:;.*)?$/i.exec(text);
    if (tel) return this.numberRefusal(tel[1]!.replace(/[().-]/g, ''));
    const sip = /^sips?:(?:([^@;?]+)@)?(\[[0-9a-f:.]+\]|[^:;?>]+)/i.exec(text);
    if (!sip) return `${text} cannot be called: only tel: numbers and sip: addresses can`;
    const host = sip[2]!.toLowerCase();
    const o = this.options;
    if (!o.ownDomains.includes(host) && !o.allowedDomains.includes(host))
      return `${host} is not an allowed destination domain (SWITCHBOARD_DIAL_ALLOWED_DOMAINS)`;
    let user: string;
    try {
      user = decodeURIComponent(sip[1] ?? '').replace(/[().-]/g, '');
    } catch {
      return `${text} cannot be called: its user part is malformed`;
    }
    return PHONE_USER.test(user) ? this.numberRefusal(user) : null;
  }

  private numberRefusal(number: string): string | null {
    const e164 = number.startsWith('+') ? number : `+${number}`;
    if (this.options.allowedPrefixes.some((p) => e164.startsWith(p))) return null;
    const setting = this.options.prefixesFromNumberRanges
      ? 'SWITCHBOARD_DIAL_ALLOWED_PREFIXES is unset, so only SWITCHBOARD_NUMBER_RANGES may be called'
      : 'SWITCHBOARD_DIAL_ALLOWED_PREFIXES';
    return `${e164} is not an allowed destination (${setting})`;
  }

  /**
   * Why this call may not be placed (destination, the payer's spend limit, the global limit),
   * or null. The cost counted is the rate times the expected length, not one unit: a call is
   * billed by the second.
   */
  async refusal(call: DialRequest): Promise<string | null> {
    return (await this.check(call))?.reason ?? null;
  }

  /** As `refusal`, with what kind of refusal it is (a caller is told in other words than an operator). */
  async check(call: DialRequest): Promise<DialRefusal | null> {
    const destination = this.destinationRefusal(call.destination);
    if (destination) return { kind: 'destination', reason: destination };
    const price = call.rate?.priceMicros ?? 0;
    if (price <= 0 || !this.cdrs) return null;
    const now = call.now ?? new Date();
    const expected = {
      prefix: call.rate!.prefix,
      priceMicros: price * Math.max(1, call.expectedUnits),
    };
    if (call.subscriberId) {
      const own = await spendRefusal(this.cdrs, call.subscriberId, expected, call.currency, now);
      if (own) return { kind: 'spend-limit', reason: own };
    }
    const limit = this.options.globalLimitMicros;
    if (limit === null) return null;
    if (call.currency !== this.options.currency)
      return {
        kind: 'global-limit',
        reason: `calls are priced in ${call.currency} but SWITCHBOARD_DIAL_GLOBAL_SPEND_LIMIT counts ${this.options.currency}: the call is refused rather than left uncounted`,
      };
    const spent =
      (await this.cdrs.spentOnTypeSince(this.options.callResourceType, monthStart(now))).get(
        call.currency,
      ) ?? 0;
    if (spent + expected.priceMicros <= limit) return null;
    return {
      kind: 'global-limit',
      reason: `the monthly limit for calls out is reached (SWITCHBOARD_DIAL_GLOBAL_SPEND_LIMIT): ${microsToPrice(spent)} ${call.currency} spent this month, limit ${microsToPrice(limit)}, this call would cost about ${microsToPrice(expected.priceMicros)}`,
    };
  }
}
