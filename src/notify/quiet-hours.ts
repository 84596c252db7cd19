/** Seconds since local midnight of `at` in an IANA time zone. */
export function localSecondsOfDay(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 3600 + get('minute') * 60 + get('second');
}

/** "22:00" or "07:30:15" as seconds since midnight. */
export function parseClock(clock: string): number {
  const [h = 0, m = 0, s = 0] = clock.split(':').map(Number);
  return h * 3600 + m * 60 + s;
}

/**
 * When quiet hours (in the subscriber's time zone) are on at `at`, the time they end; otherwise
 * null. A window whose end is before its start runs over midnight (22:00 to 07:00).
 */
export function quietUntil(
  at: Date,
  window: { start: string; end: string },
  timeZone: string,
): Date | null {
  const now = localSecondsOfDay(at, timeZone);
  const start = parseClock(window.start);
  const end = parseClock(window.end);
  if (start === end) return null;
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return null;
  const wait = (end - now + 86_400) % 86_400;
  return new Date(at.getTime() + wait * 1000);
}
