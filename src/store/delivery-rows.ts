import type {
  Cdr,
  Delivery,
  DeliveryKind,
  DeliveryStatus,
  Priority,
  Resource,
  ResourceStatus,
} from '../core/delivery.js';
import { PRIORITY_RANK } from '../core/delivery.js';
import type { DeliveryRecord } from '../core/ingest.js';
import type { CdrsTable, DeliveriesTable, ResourcesTable } from './schema.js';

type Row<T> = { [K in keyof T]: T[K] extends import('kysely').Generated<infer U> ? U : T[K] };

export function toDelivery(row: Row<DeliveriesTable>): Delivery {
  return {
    id: row.id,
    messageId: row.message_id,
    kind: row.kind as DeliveryKind,
    recipient: row.recipient,
    status: row.status as DeliveryStatus,
    priority: row.priority as Priority,
    subscriberId: row.subscriber_id,
    messageType: row.message_type,
    channel: row.channel,
    scheduledAt: row.scheduled_at,
    expiresAt: row.expires_at,
    nextAttemptAt: row.next_attempt_at,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    resourceId: row.resource_id,
    holdReason: row.hold_reason,
    lastError: row.last_error,
    errorLog: JSON.parse(row.error_log) as Delivery['errorLog'],
    payload: row.payload ? (JSON.parse(row.payload) as Record<string, unknown>) : null,
    receipt: Number(row.receipt) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

export function toResource(row: ResourcesTable): Resource {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    messageTypes: JSON.parse(row.message_types) as string[],
    formats: JSON.parse(row.formats) as string[],
    status: row.status as ResourceStatus,
    statusReason: row.status_reason,
    channels: Number(row.channels),
    rates: JSON.parse(row.rates) as Resource['rates'],
    currency: row.currency,
    config: JSON.parse(row.config) as Record<string, unknown>,
    hasSecret: row.secret_sealed !== null,
    consecutiveFailures: Number(row.consecutive_failures),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toCdr(row: CdrsTable): Cdr {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    subscriberId: row.subscriber_id,
    resourceId: row.resource_id,
    destination: row.destination,
    attempt: Number(row.attempt),
    result: row.result as Cdr['result'],
    unit: row.unit,
    units: Number(row.units),
    rateMicros: Number(row.rate_micros),
    costMicros: Number(row.cost_micros),
    currency: row.currency,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}

/** A new delivery's row: pending, due now or at its scheduled time. */
export function newDeliveryRow(d: DeliveryRecord & { messageId: string }, now: string) {
  return {
    id: d.id,
    message_id: d.messageId,
    recipient: d.recipient,
    status: 'P',
    priority: d.priority,
    priority_rank: PRIORITY_RANK[d.priority],
    kind: d.kind,
    subscriber_id: d.subscriberId,
    message_type: d.messageType,
    channel: d.channel,
    scheduled_at: d.scheduledAt,
    expires_at: d.expiresAt,
    next_attempt_at: d.scheduledAt && d.scheduledAt > now ? d.scheduledAt : now,
    receipt: d.receipt ? 1 : 0,
    payload: d.payload ? JSON.stringify(d.payload) : null,
    created_at: now,
    updated_at: now,
  };
}
