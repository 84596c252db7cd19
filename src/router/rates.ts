import type { Rate } from '../core/delivery.js';

/**
 * The rate for a destination: the longest matching prefix. Telephone prefixes ("+49", "49")
 * match a tel: number's digits; other prefixes match the start of the address ("sip:",
 * "mailto:"); "*" matches anything. No match means the resource does not serve the destination.
 */
export function rateFor(rates: readonly Rate[], recipient: string): Rate | null {
  const digits = recipient.startsWith('tel:+') ? recipient.slice(5) : null;
  let best: Rate | null = null;
  let bestLength = -1;
  for (const rate of rates) {
    let length = -1;
    if (rate.prefix === '*' || rate.prefix === '') length = 0;
    else if (/^\+?[0-9]+$/.test(rate.prefix)) {
      const p = rate.prefix.replace(/^\+/, '');
      if (digits?.startsWith(p)) length = p.length;
    } else if (recipient.toLowerCase().startsWith(rate.prefix.toLowerCase()))
      length = rate.prefix.length;
    if (length > bestLength) {
      best = rate;
      bestLength = length;
    }
  }
  return best;
}
