import type { Subscriber } from '../core/subscriber.js';
import type { Selectable } from 'kysely';
import type { SubscribersTable } from './schema.js';

export function toSubscriber(row: Selectable<SubscribersTable>, addresses: string[]): Subscriber {
  return {
    id: row.id,
    name: row.name,
    addresses,
    language: row.language,
    timeZone: row.time_zone,
    currency: row.currency,
    status: row.status as Subscriber['status'],
    role: row.role as Subscriber['role'],
    quotaBytes: row.quota_bytes === null ? null : Number(row.quota_bytes),
    quotaMessages: row.quota_messages,
    retentionDays: row.retention_days,
    spendLimit:
      row.spend_limit_micros === null || row.spend_limit_micros === undefined
        ? null
        : Number(row.spend_limit_micros) / 1_000_000,
    usedBytes: Number(row.used_bytes),
    messageCount: Number(row.message_count),
    notificationPreferences: JSON.parse(
      row.notification_preferences,
    ) as Subscriber['notificationPreferences'],
    dynamic: row.dynamic === 1,
    hasPassword: row.password_hash !== null,
    hasPin: row.pin_hash !== null,
    hasSipSecret: row.sip_ha1_md5 !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
