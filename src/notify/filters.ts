import type { NotificationRule, Weekday } from '../core/subscriber.js';
import { localSecondsOfDay, parseClock } from './quiet-hours.js';

/** What a rule's conditions look at. */
export interface FilteredMessage {
  from: string;
  urgent: boolean;
  durationMs?: number | null;
}

/** Whether every condition of a rule holds for a message arriving at `at`. */
export function ruleMatches(
  rule: NotificationRule,
  message: FilteredMessage,
  at: Date,
  timeZone: string,
): boolean {
  if (rule.urgentOnly && !message.urgent) return false;
  if (rule.from && !senderAllowed(rule.from, message.from)) return false;
  // A message whose length is unknown is not silenced: better a notice too many than a lost one.
  if (
    rule.minDurationSeconds !== undefined &&
    message.durationMs != null &&
    message.durationMs < rule.minDurationSeconds * 1000
  )
    return false;
  if (rule.hours && insideHours(rule.hours, at, timeZone) === Boolean(rule.hours.outside))
    return false;
  return true;
}

function senderAllowed(from: { include?: string[]; exclude?: string[] }, sender: string): boolean {
  if (from.exclude?.some((p) => senderMatches(p, sender))) return false;
  if (from.include && from.include.length > 0)
    return from.include.some((p) => senderMatches(p, sender));
  return true;
}

/**
 * A pattern against a sender URI: `*` stands for any characters; a pattern without a scheme is
 * compared with the address without its scheme, so `+4930*` matches `tel:+4930123` and
 * `*@example.com` matches `mailto:ann@example.com`. Case does not matter.
 */
export function senderMatches(pattern: string, sender: string): boolean {
  const p = pattern.trim().toLowerCase();
  const s = sender.toLowerCase();
  const target = /^[a-z]+:/.test(p) ? s : s.replace(/^[a-z]+:/, '');
  const regex = new RegExp(`^${p.split('*').map(escapeRegex).join('.*')}$`);
  return regex.test(target);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const WEEKDAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The weekday of `at` in a time zone. */
export function localWeekday(at: Date, timeZone: string): Weekday {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(at);
  return WEEKDAYS.find((d) => name.toLowerCase().startsWith(d)) ?? 'mon';
}

/**
 * Whether `at` is inside the hours on one of the days, in the subscriber's zone. A window whose
 * end is before its start runs over midnight and belongs to the day it starts on.
 */
export function insideHours(
  hours: { days: Weekday[]; start: string; end: string },
  at: Date,
  timeZone: string,
): boolean {
  const now = localSecondsOfDay(at, timeZone);
  const start = parseClock(hours.start);
  const end = parseClock(hours.end);
  const today = localWeekday(at, timeZone);
  if (start === end) return hours.days.includes(today);
  if (start < end) return hours.days.includes(today) && now >= start && now < end;
  if (now >= start) return hours.days.includes(today);
  if (now < end) {
    const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(today) + 6) % 7]!;
    return hours.days.includes(yesterday);
  }
  return false;
}
