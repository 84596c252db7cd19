/**
 * Exponential backoff with jitter: attempt n waits between half and all of base * 2^(n-1),
 * capped, so that many deliveries failing together do not come back together.
 */
export function backoffMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
