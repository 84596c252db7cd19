import { sql, type Kysely } from 'kysely';
import {
  FINAL_STATUSES,
  type Cdr,
  type Delivery,
  type DeliveryStatus,
  type NewResource,
  type Resource,
  type ResourcePatch,
} from '../core/delivery.js';
import type {
  CdrQuery,
  CdrStore,
  DeliveryQuery,
  DeliveryStore,
  ResourceStore,
} from '../core/delivery-ports.js';
import { conflict } from '../core/errors.js';
import { newId } from '../lib/ids.js';
import { isoNow } from '../lib/time.js';
import { newDeliveryRow, toCdr, toDelivery, toResource } from './delivery-rows.js';
import type { DeliveryRecord } from '../core/ingest.js';
import type { Database, Dialect } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

/** Seals resource secrets at rest; the key ring of the blobs does it (app wires it). */
export interface SecretSealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

const DUE = ['P', 'D', 'R'];
/** Statuses after a resource took the delivery: a later report can still fail it. */
const HANDED_ON: readonly DeliveryStatus[] = ['X', 'A', 'S'];

/** The queue, the resources and the CDRs on SQLite or PostgreSQL. */
export class DeliveryRepository implements DeliveryStore, ResourceStore, CdrStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly sealer: SecretSealer,
    private readonly reader: Kysely<Database> = db,
  ) {}

  async claim(owner: string, limit: number, now: string, leaseUntil: string): Promise<Delivery[]> {
    if (limit <= 0) return [];
    // PostgreSQL: SKIP LOCKED lets several processes claim at once without taking the same row.
    // SQLite has one writer, so the statement alone is atomic.
    const lock = this.dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
    const { rows } = await sql<Record<string, unknown>>`
      UPDATE deliveries
         SET status = 'X', lease_owner = ${owner}, lease_until = ${leaseUntil},
             attempts = attempts + 1, updated_at = ${now}
       WHERE id IN (
         SELECT id FROM deliveries
          WHERE (status IN ('P', 'D', 'R') AND next_attempt_at <= ${now})
             OR (status = 'X' AND lease_until < ${now})
          ORDER BY priority_rank, next_attempt_at, id
          LIMIT ${limit} ${lock})
      RETURNING *`.execute(this.db);
    return rows
      .map((r) => toDelivery(r as never))
      .sort(
        (a, b) =>
          rank(a) - rank(b) ||
          (a.nextAttemptAt ?? '').localeCompare(b.nextAttemptAt ?? '') ||
          a.id.localeCompare(b.id),
      );
  }

  async expireDue(now: string): Promise<Delivery[]> {
    const rows = await this.db
      .updateTable('deliveries')
      .set({
        status: 'E',
        finished_at: now,
        updated_at: now,
        last_error: 'expired before it could be sent',
        lease_owner: null,
        lease_until: null,
      })
      .where('status', 'in', [...DUE, 'H'])
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', now)
      .returningAll()
      .execute();
    return rows.map((r) => toDelivery(r as never));
  }

  async settle(
    id: string,
    owner: string,
    change: Parameters<DeliveryStore['settle']>[2],
  ): Promise<boolean> {
    const now = isoNow();
    const result = await this.db
      .updateTable('deliveries')
      .set({
        status: change.status,
        updated_at: now,
        lease_owner: null,
        lease_until: null,
        ...(change.nextAttemptAt !== undefined ? { next_attempt_at: change.nextAttemptAt } : {}),
        ...(change.resourceId !== undefined ? { resource_id: change.resourceId } : {}),
        ...(change.holdReason !== undefined ? { hold_reason: change.holdReason } : {}),
        ...(change.errorLog !== undefined ? { error_log: JSON.stringify(change.errorLog) } : {}),
        ...(change.lastError !== undefined ? { last_error: change.lastError } : {}),
        ...(change.finishedAt !== undefined ? { finished_at: change.finishedAt } : {}),
        ...(change.attempts !== undefined ? { attempts: change.attempts } : {}),
      })
      .where('id', '=', id)
      .where('status', '=', 'X')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recordLateReport(
    id: string,
    report: { at: string; resource: string | null; error: string },
    fail: boolean,
  ): Promise<{ delivery: Delivery; failed: boolean } | null> {
    // Read and write in one transaction, the row locked on PostgreSQL, so that two reports (or
    // a report and the worker settling) never lose each other's log entries.
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('deliveries')
        .selectAll()
        .where('id', '=', id)
        .$if(this.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!row) return null;
      const before = toDelivery(row as never);
      const failed = fail && HANDED_ON.includes(before.status);
      const entry = { ...report, attempt: before.attempts };
      const errorLog = [...before.errorLog, entry];
      const now = isoNow();
      await trx
        .updateTable('deliveries')
        .set({
          error_log: JSON.stringify(errorLog),
          updated_at: now,
          ...(failed
            ? {
                status: 'F',
                last_error: entry.error,
                finished_at: now,
                lease_owner: null,
                lease_until: null,
              }
            : {}),
        })
        .where('id', '=', id)
        .execute();
      const delivery: Delivery = failed
        ? {
            ...before,
            status: 'F',
            errorLog,
            lastError: entry.error,
            finishedAt: now,
            leaseOwner: null,
            leaseUntil: null,
            updatedAt: now,
          }
        : { ...before, errorLog, updatedAt: now };
      return { delivery, failed };
    });
  }

  async enqueue(records: Array<DeliveryRecord & { messageId: string }>): Promise<void> {
    if (records.length === 0) return;
    const now = isoNow();
    await this.db
      .insertInto('deliveries')
      .values(records.map((d) => newDeliveryRow(d, now)))
      .execute();
  }

  async confirmDelivered(id: string, now: string): Promise<Delivery | null> {
    const row = await this.db
      .updateTable('deliveries')
      .set({ status: 'S', finished_at: now, updated_at: now, last_error: null })
      .where('id', '=', id)
      .where('status', '=', 'A')
      .returningAll()
      .executeTakeFirst();
    return row ? toDelivery(row as never) : null;
  }

  async receiptsOverdue(now: string, error: string): Promise<Delivery[]> {
    const due = await this.db
      .selectFrom('deliveries')
      .selectAll()
      .where('status', '=', 'A')
      .where('next_attempt_at', '<=', now)
      .limit(500)
      .execute();
    const failed: Delivery[] = [];
    for (const row of due) {
      const d = toDelivery(row as never);
      const errorLog = [...d.errorLog, { at: now, attempt: d.attempts, resource: null, error }];
      const again = d.attempts < d.maxAttempts;
      const changed = await this.db
        .updateTable('deliveries')
        .set({
          status: again ? 'R' : 'F',
          next_attempt_at: again ? now : d.nextAttemptAt,
          finished_at: again ? null : now,
          last_error: error,
          error_log: JSON.stringify(errorLog),
          updated_at: now,
        })
        .where('id', '=', d.id)
        .where('status', '=', 'A')
        .executeTakeFirst();
      if (!again && Number(changed.numUpdatedRows) === 1)
        failed.push({ ...d, status: 'F', errorLog, lastError: error, finishedAt: now });
    }
    return failed;
  }

  async get(id: string): Promise<Delivery | null> {
    const row = await this.reader
      .selectFrom('deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toDelivery(row as never) : null;
  }

  async list(query: DeliveryQuery): Promise<Delivery[]> {
    let q = this.reader.selectFrom('deliveries').selectAll().orderBy('id').limit(query.limit);
    if (query.status) q = q.where('status', '=', query.status);
    if (query.messageId) q = q.where('message_id', '=', query.messageId);
    if (query.subscriberId) q = q.where('subscriber_id', '=', query.subscriberId);
    if (query.kind) q = q.where('kind', '=', query.kind);
    if (query.after) q = q.where('id', '>', query.after);
    return (await q.execute()).map((r) => toDelivery(r as never));
  }

  async retry(id: string, now: string): Promise<Delivery | null> {
    const row = await this.db
      .updateTable('deliveries')
      .set({
        status: 'R',
        next_attempt_at: now,
        hold_reason: null,
        updated_at: now,
        finished_at: null,
      })
      .where('id', '=', id)
      .where('status', 'in', ['P', 'H', 'D', 'F', 'E', 'R'])
      .returningAll()
      .executeTakeFirst();
    return row ? toDelivery(row as never) : null;
  }

  async hold(id: string, reason: string): Promise<Delivery | null> {
    const row = await this.db
      .updateTable('deliveries')
      .set({ status: 'H', hold_reason: reason, updated_at: isoNow() })
      .where('id', '=', id)
      .where('status', 'in', DUE)
      .returningAll()
      .executeTakeFirst();
    return row ? toDelivery(row as never) : null;
  }

  async releaseHeld(reason: string, now: string): Promise<number> {
    const result = await this.db
      .updateTable('deliveries')
      .set({ status: 'R', hold_reason: null, next_attempt_at: now, updated_at: now })
      .where('status', '=', 'H')
      .where('hold_reason', '=', reason)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async countByStatus(): Promise<Array<{ status: string; count: number }>> {
    const rows = await this.reader
      .selectFrom('deliveries')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute();
    return rows.map((r) => ({ status: r.status, count: Number(r.count) }));
  }

  async countOpenByResource(): Promise<
    Array<{ resourceId: string | null; status: string; count: number }>
  > {
    const rows = await this.reader
      .selectFrom('deliveries')
      .select(['resource_id', 'status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', 'not in', FINAL_STATUSES)
      .groupBy(['resource_id', 'status'])
      .execute();
    return rows.map((r) => ({
      resourceId: r.resource_id ?? null,
      status: r.status,
      count: Number(r.count),
    }));
  }

  async inFlightByResource(): Promise<Map<string, number>> {
    const rows = await this.reader
      .selectFrom('deliveries')
      .select(['resource_id', (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', '=', 'X')
      .where('resource_id', 'is not', null)
      .groupBy('resource_id')
      .execute();
    return new Map(rows.map((r) => [r.resource_id!, Number(r.count)]));
  }

  // ---- resources

  async createResource(input: NewResource): Promise<Resource> {
    const now = isoNow();
    const id = newId();
    try {
      await this.db
        .insertInto('resources')
        .values({
          id,
          name: input.name,
          type: input.type,
          message_types: JSON.stringify(input.messageTypes ?? ['*']),
          formats: JSON.stringify(input.formats ?? []),
          status: input.status ?? 'A',
          status_reason: null,
          channels: input.channels ?? 1,
          rates: JSON.stringify(input.rates ?? []),
          currency: input.currency ?? 'USD',
          config: JSON.stringify(input.config ?? {}),
          secret_sealed: input.secret ? this.sealer.seal(input.secret) : null,
          consecutive_failures: 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a resource named ${input.name} exists already`);
      throw err;
    }
    return (await this.getResource(id))!;
  }

  async updateResource(id: string, patch: ResourcePatch): Promise<Resource | null> {
    const set: Record<string, unknown> = { updated_at: isoNow() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.messageTypes !== undefined) set.message_types = JSON.stringify(patch.messageTypes);
    if (patch.formats !== undefined) set.formats = JSON.stringify(patch.formats);
    if (patch.status !== undefined) {
      set.status = patch.status;
      // Enabling again gives a failing resource a fresh start.
      if (patch.status === 'A') set.consecutive_failures = 0;
    }
    if (patch.statusReason !== undefined) set.status_reason = patch.statusReason;
    if (patch.channels !== undefined) set.channels = patch.channels;
    if (patch.rates !== undefined) set.rates = JSON.stringify(patch.rates);
    if (patch.currency !== undefined) set.currency = patch.currency;
    if (patch.config !== undefined) set.config = JSON.stringify(patch.config);
    if (patch.secret !== undefined)
      set.secret_sealed = patch.secret ? this.sealer.seal(patch.secret) : null;
    try {
      await this.db.updateTable('resources').set(set).where('id', '=', id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a resource named ${patch.name} exists already`);
      throw err;
    }
    return this.getResource(id);
  }

  async getResource(id: string): Promise<Resource | null> {
    const row = await this.db
      .selectFrom('resources')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toResource(row) : null;
  }

  async findResourceByName(name: string): Promise<Resource | null> {
    const row = await this.db
      .selectFrom('resources')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toResource(row) : null;
  }

  async listResources(): Promise<Resource[]> {
    return (await this.db.selectFrom('resources').selectAll().orderBy('name').execute()).map(
      toResource,
    );
  }

  async resourceSecret(id: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('resources')
      .select('secret_sealed')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.secret_sealed ? this.sealer.open(row.secret_sealed) : null;
  }

  async recordResourceResult(id: string, ok: boolean): Promise<number> {
    const row = await this.db
      .updateTable('resources')
      .set((eb) => ({ consecutive_failures: ok ? 0 : eb('consecutive_failures', '+', 1) }))
      .where('id', '=', id)
      .returning('consecutive_failures')
      .executeTakeFirst();
    return Number(row?.consecutive_failures ?? 0);
  }

  // ---- CDRs

  async insertCdr(cdr: Cdr): Promise<void> {
    await this.db
      .insertInto('cdrs')
      .values({
        id: cdr.id,
        delivery_id: cdr.deliveryId,
        subscriber_id: cdr.subscriberId,
        resource_id: cdr.resourceId,
        destination: cdr.destination,
        attempt: cdr.attempt,
        result: cdr.result,
        unit: cdr.unit,
        units: cdr.units,
        rate_micros: cdr.rateMicros,
        cost_micros: cdr.costMicros,
        currency: cdr.currency,
        started_at: cdr.startedAt,
        ended_at: cdr.endedAt,
      })
      .execute();
  }

  async listCdrs(query: CdrQuery): Promise<Cdr[]> {
    let q = this.reader
      .selectFrom('cdrs')
      .selectAll()
      .orderBy('started_at')
      .orderBy('id')
      .limit(query.limit);
    if (query.subscriberId) q = q.where('subscriber_id', '=', query.subscriberId);
    if (query.from) q = q.where('started_at', '>=', query.from);
    if (query.to) q = q.where('started_at', '<', query.to);
    return (await q.execute()).map(toCdr);
  }

  async spentSince(subscriberId: string, since: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('cdrs')
      .select(['currency', (eb) => eb.fn.sum<number>('cost_micros').as('total')])
      .where('subscriber_id', '=', subscriberId)
      .where('started_at', '>=', since)
      .groupBy('currency')
      .execute();
    return new Map(rows.map((r) => [r.currency, Number(r.total)]));
  }

  async spentOnTypeSince(resourceType: string, since: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('cdrs')
      .innerJoin('resources', 'resources.id', 'cdrs.resource_id')
      .select(['cdrs.currency', (eb) => eb.fn.sum<number>('cdrs.cost_micros').as('total')])
      .where('resources.type', '=', resourceType)
      .where('cdrs.started_at', '>=', since)
      .groupBy('cdrs.currency')
      .execute();
    return new Map(rows.map((r) => [r.currency, Number(r.total)]));
  }

  async spendLimit(subscriberId: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('subscribers')
      .select('spend_limit_micros')
      .where('id', '=', subscriberId)
      .executeTakeFirst();
    return row?.spend_limit_micros ?? null;
  }
}

function rank(d: Delivery): number {
  return d.priority === 'high' ? 0 : d.priority === 'normal' ? 1 : 2;
}

export type { DeliveryStatus };
