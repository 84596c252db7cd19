import type { Address } from '../core/address.js';

/** Which addresses this installation owns: its domains and its telephone number ranges. */
export interface Ownership {
  domains: string[];
  numberRanges: string[];
}

export function isOwned(address: Address, ownership: Ownership): boolean {
  if (address.scheme === 'tel')
    return ownership.numberRanges.some((prefix) => address.value.startsWith(prefix));
  return address.domain !== undefined && ownership.domains.includes(address.domain);
}
