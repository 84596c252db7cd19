/** UTC ISO 8601 with milliseconds: fixed width, so it sorts as text in every database. */
export function isoNow(): string {
  return new Date().toISOString();
}

export function isoAfter(ms: number, from = Date.now()): string {
  return new Date(from + ms).toISOString();
}
