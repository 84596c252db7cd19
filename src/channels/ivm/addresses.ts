import { parseAddress } from '../../core/address.js';
import type { Subscriber } from '../../core/subscriber.js';
import type { Directory } from '../../directory/directory.js';

/**
 * A subscriber's messenger address: its `ivm:` address, else `ivm:` and its first mail
 * address, else one made from its id (a subscriber with only a number still has one).
 */
export function messengerAddress(s: Subscriber, domain: string): string {
  const ivm = s.addresses.find((a) => a.startsWith('ivm:'));
  if (ivm) return ivm;
  const mail = s.addresses.find((a) => a.startsWith('mailto:'));
  if (mail) return `ivm:${mail.slice('mailto:'.length)}`;
  return `ivm:${s.id.toLowerCase()}@${domain}`;
}

/** An address intake resolves to this subscriber's mailbox: one it really owns. */
export function mailboxAddress(s: Subscriber): string {
  return (
    s.addresses.find((a) => a.startsWith('ivm:')) ??
    s.addresses.find((a) => a.startsWith('mailto:')) ??
    s.addresses[0]!
  );
}

/**
 * The subscriber an address names: any of its addresses, or its messenger address. Never
 * creates a mailbox (unlike intake's resolution); null for nobody.
 */
export async function subscriberAt(
  directory: Pick<Directory, 'findByAddress' | 'lookup'>,
  address: string,
): Promise<Subscriber | null> {
  let parsed;
  try {
    parsed = parseAddress(address);
  } catch {
    return null;
  }
  const found = await directory.findByAddress(parsed.uri);
  if (found) return found;
  if (parsed.scheme !== 'ivm') return null;
  const byMail = await directory.findByAddress(`mailto:${parsed.value}`);
  if (byMail) return byMail;
  const id = parsed.value.split('@')[0]!;
  const byId = /^[0-9a-f-]{36}$/.test(id) ? await directory.lookup(id) : null;
  return byId && !byId.addresses.some((a) => a.startsWith('mailto:') || a.startsWith('ivm:'))
    ? byId
    : null;
}
