import type { Subscriber } from '../core/subscriber.js';
import { quietUntil } from './quiet-hours.js';
import { textsFor } from './templates.js';

export interface PlannedNotice {
  channel: string;
  recipient: string;
  priority: 'normal' | 'high';
  /** Held until quiet hours end; null to send at once. */
  scheduledAt: string | null;
  payload: Record<string, unknown>;
}

/**
 * Which notices a new message causes for its recipient: for each rule matching the message type
 * ('*' for any), one notice per channel; urgent-only rules skip normal messages; quiet hours in
 * the subscriber's time zone hold normal notices until they end, urgent ones go at once.
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
    (r) => r.messageType === message.type || r.messageType === '*',
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
  const channels = new Set<string>();
  for (const rule of rules) {
    if (rule.urgentOnly && !message.urgent) continue;
    for (const channel of rule.channels) channels.add(CHANNEL_ALIASES[channel] ?? channel);
  }
  return [...channels].flatMap((channel) => {
    const recipient = recipientFor(channel, subscriber);
    return recipient
      ? [
          {
            channel,
            recipient,
            priority: message.urgent ? ('high' as const) : ('normal' as const),
            scheduledAt: until ? until.toISOString() : null,
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

/** Rule channels are resource types; `email` is the name users know for `smtp`. */
const CHANNEL_ALIASES: Record<string, string> = { email: 'smtp' };

/** Where a channel reaches the subscriber: mail to their notice address, else their first address. */
function recipientFor(channel: string, subscriber: Subscriber): string | null {
  if (channel !== 'smtp') return subscriber.addresses[0] ?? null;
  const email = subscriber.notificationPreferences.email;
  if (email) return `mailto:${email.toLowerCase()}`;
  return subscriber.addresses.find((a) => a.startsWith('mailto:')) ?? null;
}
