/** An address as people type it ("ann@example.com", "+4930123") as the URI the API wants. */
export function addressUri(typed: string): string {
  const s = typed.trim();
  if (/^[a-z]+:/i.test(s)) return s;
  if (/^\+?[\d\s/()-]+$/.test(s)) return `tel:${s.replace(/[\s/()-]/g, '')}`;
  return `mailto:${s}`;
}
