import { createHmac } from 'node:crypto';
import { safeEqual } from '../../lib/hash.js';
import { isId } from '../../lib/ids.js';

export type BounceCheck =
  { kind: 'none' } | { kind: 'valid'; deliveryId: string } | { kind: 'forged'; reason: string };

const LOCAL_PART = /^bounce\+([^.@]+)\.([^.@]+)$/i;
const TAG_CHARS = 16;

/**
 * VERP return paths (`bounce+<delivery id>.<tag>@<primary domain>`): a DSN sent back to one names
 * the delivery it is about. The tag is an HMAC of the delivery id, so only this server can make
 * one, and nobody can fail someone else's delivery by guessing ids. Hex in lower case, because
 * some relays fold the case of local parts.
 */
export class BounceAddresses {
  private readonly domains: string[];

  constructor(
    private readonly key: Buffer,
    domains: readonly string[],
  ) {
    this.domains = domains.map((d) => d.toLowerCase());
    if (this.domains.length === 0) this.domains.push('localhost');
  }

  forDelivery(deliveryId: string): string {
    return `bounce+${deliveryId}.${this.tag(deliveryId)}@${this.domains[0]}`;
  }

  check(address: string): BounceCheck {
    const at = address.lastIndexOf('@');
    if (at <= 0 || !this.domains.includes(address.slice(at + 1).toLowerCase()))
      return { kind: 'none' };
    const local = address.slice(0, at).toLowerCase();
    if (!local.startsWith('bounce+')) return { kind: 'none' };
    const m = LOCAL_PART.exec(local);
    if (!m || !isId(m[1]!)) return { kind: 'forged', reason: 'not a bounce address of ours' };
    if (!safeEqual(m[2]!, this.tag(m[1]!)))
      return { kind: 'forged', reason: 'the bounce address tag does not match' };
    return { kind: 'valid', deliveryId: m[1]! };
  }

  private tag(deliveryId: string): string {
    return createHmac('sha256', this.key)
      .update(`bounce address\n${deliveryId}`)
      .digest('hex')
      .slice(0, TAG_CHARS);
  }
}
