import type { DigestSchedule, NotificationRule, Subscriber } from '../core/subscriber.js';
import { digestDueAt } from './digest-schedule.js';
import { ruleMatches } from './filters.js';
import { quietUntil } from './quiet-hours.js';
import { textsFor } from './templates.js';

export interface PlannedNotice {
  channel: string;
  recipient: string;
  priority: 'normal' | 'high';
  /** Held until quiet hours end; null to send at once. */
  scheduledAt: string | null;
  /**
   * Set when the subscriber chose a digest for this channel: the message waits, listed in the
   * digest due then, instead of a notice of its own.
   */
  digestDueAt: string | null;
  payload: Record<string, unknown>;
}

/**
 * Which notices a new message causes for its recipient: for each rule matching the message type
 * ('*' for any) whose conditions hold (urgent only, sender, length, hours: see filters.ts), one
 * notice per channel. Quiet hours in the subscriber's time zone hold normal notices until they
 * end, urgent ones go at once. A channel whose every matching rule asks for a digest gets a
 * digest entry instead; urgent messages never wait for a digest.
 */
export function planNotices(
  subscriber: Subscriber,
  message: {
    id: string;
    type: string;
    from: string;
    subject: string | null;
    urgent: boolean;
    durationMs?: number | null;
    pages?: number | null;
  },
  now: Date,
): PlannedNotice[] {
  const prefs = subscriber.notificationPreferences;
  const rules = (prefs.rules ?? []).filter(
    (r) =>
      (r.messageType === message.type || r.messageType === '*') &&
      ruleMatches(r, message, now, subscriber.timeZone),
  );
  if (rules.length === 0) return [];
  const until =
    !message.urgent && prefs.quietHours
      ? quietUntil(now, prefs.quietHours, subscriber.timeZone)
      : null;
  const texts = textsFor(subscriber.language).newMessage({
    ...message,
    at: now,
    timeZone: subscriber.timeZone,
  });
  // Per channel: null when some rule wants it at once, else the earliest digest due time.
  const channels = new Map<string, Date | null>();
  for (const rule of rules)
    for (const name of rule.channels) {
      const channel = CHANNEL_ALIASES[name] ?? name;
      const schedule = message.urgent ? null : digestOf(rule, prefs.digest);
      const due = schedule ? digestDueAt(schedule, now, subscriber.timeZone) : null;
      const known = channels.get(channel);
      if (known === undefined) channels.set(channel, due);
      else if (known !== null) channels.set(channel, due && due < known ? due : null);
    }
  return [...channels].flatMap(([channel, due]) => {
    const recipient = recipientFor(channel, subscriber);
    return recipient
      ? [
          {
            channel,
            recipient,
            priority: message.urgent ? ('high' as const) : ('normal' as const),
            scheduledAt: until ? until.toISOString() : null,
            digestDueAt: due ? due.toISOString() : null,
            payload: {
              notice: 'new-message',
              messageId: message.id,
              messageType: message.type,
              from: message.from,
              urgent: message.urgent,
              language: subscriber.language,
              subject: texts.subject,
              text: texts.text,
              durationMs: message.durationMs ?? null,
              pages: message.pages ?? null,
            },
          },
        ]
      : [];
  });
}

/** A rule's own digest choice wins; `false` means at once whatever the global choice. */
function digestOf(
  rule: NotificationRule,
  global: DigestSchedule | undefined,
): DigestSchedule | null {
  if (rule.digest === false) return null;
  return rule.digest ?? global ?? null;
}

/**
 * The channels account notices (welcome, reminders) go to: the subscriber's choice, else every
 * channel their rules name, each with the address it reaches them at.
 */
export function accountNoticeTargets(
  subscriber: Subscriber,
  only: readonly string[] | null = null,
): Array<{ channel: string; recipient: string }> {
  const prefs = subscriber.notificationPreferences;
  const names = only ?? prefs.accountNotices?.channels ?? ruleChannels(subscriber);
  const channels = [...new Set(names.map((n) => CHANNEL_ALIASES[n] ?? n))];
  return channels.flatMap((channel) => {
    const recipient = recipientFor(channel, subscriber);
    return recipient ? [{ channel, recipient }] : [];
  });
}

/** The channels (services) the subscriber's rules send notices by, as resource types. */
export function ruleChannels(subscriber: Subscriber): string[] {
  const names = (subscriber.notificationPreferences.rules ?? []).flatMap((r) => r.channels);
  return [...new Set(names.map((n) => CHANNEL_ALIASES[n] ?? n))];
}

/** Rule channels are resource types; `email` is the name users know for `smtp`. */
const CHANNEL_ALIASES: Record<string, string> = { email: 'smtp' };

/**
 * Where a channel reaches the subscriber: mail to their notice address; SMS and calls to their
 * first number; anything else (a webhook) to their first address.
 */
function recipientFor(channel: string, subscriber: Subscriber): string | null {
  if (channel === 'sms' || channel === 'voice')
    return subscriber.addresses.find((a) => a.startsWith('tel:')) ?? null;
  if (channel !== 'smtp') return subscriber.addresses[0] ?? null;
  const email = subscriber.notificationPreferences.email;
  if (email) return `mailto:${email.toLowerCase()}`;
  return subscriber.addresses.find((a) => a.startsWith('mailto:')) ?? null;
}
