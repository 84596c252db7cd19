/**
 * The email-to-fax convention: mail to `<number>@fax.<local domain>` is a fax to that number.
 * The number is international, with or without its `+`; spaces, dots, dashes and brackets are
 * ignored. Gives the tel: URI, or null when the address is not a fax address of ours.
 */
export function faxRecipient(address: string, domains: readonly string[]): string | null {
  const at = address.lastIndexOf('@');
  if (at < 0) return null;
  const domain = address.slice(at + 1).toLowerCase();
  if (!domains.some((d) => domain === `fax.${d.toLowerCase()}`)) return null;
  const number = address.slice(0, at).replace(/[\s.()-]/g, '');
  const digits = number.replace(/^\+/, '');
  // E.164: at most 15 digits; fewer than 3 is no number anyone can dial.
  if (!/^[0-9]{3,15}$/.test(digits)) return null;
  return `tel:+${digits}`;
}

/** Whether the address is in a fax subdomain of ours, whatever its local part. */
export function isFaxDomain(address: string, domains: readonly string[]): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return domains.some((d) => domain === `fax.${d.toLowerCase()}`);
}
