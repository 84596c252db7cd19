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
  message: { id: string; type: string; from: string; subject: string | null; urgent: boolean },
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
  const texts = textsFor(subscriber.language).newMessage(message);
  const channels = new Set<string>();
  for (const rule of rules) {
    if (rule.urgentOnly && !message.urgent) continue;
    for (const channel of rule.channels) channels.add(channel);
  }
  return [...channels].map((channel) => ({
    channel,
    recipient: subscriber.addresses[0]!,
    priority: message.urgent ? 'high' : 'normal',
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
    },
  }));
}
