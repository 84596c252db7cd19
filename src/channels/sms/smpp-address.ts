/** SMPP 3.4 5.2.5: type of number. */
const TON_INTERNATIONAL = 1;
const TON_ALPHANUMERIC = 5;

/**
 * An SMPP address (TON and digits) as a `tel:` URI, or null when it is none. Numbers are taken
 * as international whatever their TON says (with or without a leading `+` or `00`): Switchboard
 * knows no national numbering plan. Alphanumeric senders (TON 5) have no `tel:` form.
 */
export function telFromSmpp(ton: number, address: string): string | null {
  if (ton === TON_ALPHANUMERIC) return null;
  const digits = address.trim().replace(/^\+|^00/, '');
  if (!/^[1-9][0-9]{1,14}$/.test(digits)) return null;
  return `tel:+${digits}`;
}

/** A `tel:` URI as an SMPP address: international TON, E.164 NPI, the digits without `+`. */
export function smppFromTel(uri: string): { ton: number; npi: number; address: string } {
  return { ton: TON_INTERNATIONAL, npi: 1, address: uri.replace(/^tel:\+?/, '') };
}
