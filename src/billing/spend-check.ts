import type { CdrStore } from '../core/delivery-ports.js';
import { microsToPrice, type Rate } from '../core/delivery.js';

/** The first day of the month (UTC) of `at`, where monthly spend limits start counting. */
export function monthStart(at: Date): string {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)).toISOString();
}

/**
 * Seed 001's billing check before sending: a paid destination needs the subscriber's spend this
 * month plus this attempt's price to stay within their limit. Returns the refusal, or null.
 */
export async function spendRefusal(
  cdrs: Pick<CdrStore, 'spentSince' | 'spendLimit'>,
  subscriberId: string,
  rate: Rate,
  currency: string,
  now: Date,
): Promise<string | null> {
  if (rate.priceMicros <= 0) return null;
  const limit = await cdrs.spendLimit(subscriberId);
  if (limit === null) return null;
  const spent = (await cdrs.spentSince(subscriberId, monthStart(now))).get(currency) ?? 0;
  if (spent + rate.priceMicros <= limit) return null;
  return `spend limit reached: ${microsToPrice(spent)} ${currency} spent this month, limit ${microsToPrice(limit)}, this costs ${microsToPrice(rate.priceMicros)}`;
}
