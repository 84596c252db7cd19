import type { DigestSchedule } from '../core/subscriber.js';
import { localSecondsOfDay, parseClock } from './quiet-hours.js';

/**
 * When a digest holding a message that arrived at `at` goes out. Every N minutes: N minutes
 * after the first message that opened the digest (the store keeps the earliest time of a
 * pending digest, so later messages join it). Daily: the next time the local clock shows the
 * hour, in the subscriber's time zone (a message at 18:00 sharp waits for tomorrow's digest).
 */
export function digestDueAt(schedule: DigestSchedule, at: Date, timeZone: string): Date {
  if ('intervalMinutes' in schedule)
    return new Date(at.getTime() + schedule.intervalMinutes * 60_000);
  const now = localSecondsOfDay(at, timeZone);
  const target = parseClock(schedule.dailyAt);
  let wait = (target - now + 86_400) % 86_400;
  if (wait === 0) wait = 86_400;
  // Whole seconds: the local clock has no milliseconds, so drop them from `at` as well.
  const due = new Date(Math.floor(at.getTime() / 1000) * 1000 + wait * 1000);
  // Across a daylight-saving change the local hour shifts by the change; step to the target.
  const drift = parseClock(schedule.dailyAt) - localSecondsOfDay(due, timeZone);
  return Math.abs(drift) > 0 && Math.abs(drift) <= 7200
    ? new Date(due.getTime() + drift * 1000)
    : due;
}
