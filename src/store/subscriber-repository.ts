import type { Kysely } from 'kysely';
import { conflict, notFound } from '../core/errors.js';
import type { Session, SessionStore, SubscriberStore } from '../core/ports.js';
import type {
  Credentials,
  NewSubscriber,
  Subscriber,
  SubscriberPatch,
} from '../core/subscriber.js';
import { newId } from '../lib/ids.js';
import { isoNow } from '../lib/time.js';
import type { Database } from './schema.js';
import { toSubscriber } from './subscriber-rows.js';
import { isUniqueViolation } from './unique-violation.js';

type Creatable = NewSubscriber &
  Required<Pick<NewSubscriber, 'language' | 'timeZone' | 'currency'>>;

/** Inserts a subscriber and its addresses inside the caller's transaction. */
export async function insertSubscriber(
  trx: Kysely<Database>,
  input: Creatable,
  id = newId(),
): Promise<string> {
  const now = isoNow();
  await trx
    .insertInto('subscribers')
    .values({
      id,
      name: input.name,
      language: input.language,
      time_zone: input.timeZone,
      currency: input.currency,
      status: input.status ?? 'active',
      role: input.role ?? 'subscriber',
      quota_bytes: input.quotaBytes ?? null,
      quota_messages: input.quotaMessages ?? null,
      retention_days: input.retentionDays ?? null,
      spend_limit_micros:
        input.spendLimit == null ? null : Math.round(input.spendLimit * 1_000_000),
      used_bytes: 0,
      message_count: 0,
      notification_preferences: JSON.stringify(input.notificationPreferences ?? {}),
      dynamic: input.dynamic ? 1 : 0,
      password_hash: null,
      pin_hash: null,
      sip_ha1_md5: null,
      sip_ha1_sha256: null,
      sip_realm: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  if (input.addresses.length > 0)
    await trx
      .insertInto('addresses')
      .values(input.addresses.map((uri, position) => ({ uri, subscriber_id: id, position })))
      .execute();
  return id;
}

export class SubscriberRepository implements SubscriberStore, SessionStore {
  /** `reader` serves plain reads (on SQLite a second connection, so reads need not wait for a commit). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly reader: Kysely<Database> = db,
  ) {}

  async create(input: Creatable): Promise<Subscriber> {
    let id: string;
    try {
      id = await this.db.transaction().execute((trx) => insertSubscriber(trx, input));
    } catch (err) {
      if (isUniqueViolation(err))
        throw conflict('an address is already taken by another subscriber');
      throw err;
    }
    return (await this.get(id))!;
  }

  private async addressesOf(ids: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return map;
    const rows = await this.reader
      .selectFrom('addresses')
      .select(['uri', 'subscriber_id'])
      .where('subscriber_id', 'in', ids)
      .orderBy('position')
      .execute();
    for (const row of rows) map.get(row.subscriber_id)?.push(row.uri);
    return map;
  }

  async get(id: string): Promise<Subscriber | null> {
    const row = await this.reader
      .selectFrom('subscribers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    return toSubscriber(row, (await this.addressesOf([id])).get(id)!);
  }

  async findByAddress(uri: string): Promise<Subscriber | null> {
    const row = await this.reader
      .selectFrom('addresses')
      .select('subscriber_id')
      .where('uri', '=', uri)
      .executeTakeFirst();
    return row ? this.get(row.subscriber_id) : null;
  }

  async list(options: { limit: number; after?: string }): Promise<Subscriber[]> {
    let query = this.reader
      .selectFrom('subscribers')
      .selectAll()
      .orderBy('id')
      .limit(options.limit);
    if (options.after) query = query.where('id', '>', options.after);
    const rows = await query.execute();
    const addresses = await this.addressesOf(rows.map((r) => r.id));
    return rows.map((row) => toSubscriber(row, addresses.get(row.id)!));
  }

  async update(id: string, patch: SubscriberPatch): Promise<Subscriber> {
    try {
      await this.db.transaction().execute(async (trx) => {
        const values: Record<string, unknown> = { updated_at: isoNow() };
        if (patch.name !== undefined) values.name = patch.name;
        if (patch.language !== undefined) values.language = patch.language;
        if (patch.timeZone !== undefined) values.time_zone = patch.timeZone;
        if (patch.currency !== undefined) values.currency = patch.currency;
        if (patch.status !== undefined) values.status = patch.status;
        if (patch.role !== undefined) values.role = patch.role;
        if (patch.quotaBytes !== undefined) values.quota_bytes = patch.quotaBytes;
        if (patch.quotaMessages !== undefined) values.quota_messages = patch.quotaMessages;
        if (patch.retentionDays !== undefined) values.retention_days = patch.retentionDays;
        if (patch.spendLimit !== undefined)
          values.spend_limit_micros =
            patch.spendLimit === null ? null : Math.round(patch.spendLimit * 1_000_000);
        if (patch.notificationPreferences !== undefined)
          values.notification_preferences = JSON.stringify(patch.notificationPreferences);
        const result = await trx
          .updateTable('subscribers')
          .set(values)
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw notFound(`no subscriber ${id}`);
        if (patch.addresses) {
          await trx.deleteFrom('addresses').where('subscriber_id', '=', id).execute();
          if (patch.addresses.length > 0)
            await trx
              .insertInto('addresses')
              .values(
                patch.addresses.map((uri, position) => ({ uri, subscriber_id: id, position })),
              )
              .execute();
        }
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw conflict('an address is already taken by another subscriber');
      throw err;
    }
    return (await this.get(id))!;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('subscribers').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async getCredentials(id: string): Promise<Credentials | null> {
    const row = await this.reader
      .selectFrom('subscribers')
      .select(['password_hash', 'pin_hash', 'sip_ha1_md5', 'sip_ha1_sha256', 'sip_realm'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    return {
      passwordHash: row.password_hash,
      pinHash: row.pin_hash,
      sipHa1Md5: row.sip_ha1_md5,
      sipHa1Sha256: row.sip_ha1_sha256,
      sipRealm: row.sip_realm,
    };
  }

  async setCredentials(id: string, credentials: Partial<Credentials>): Promise<void> {
    const values: Record<string, unknown> = { updated_at: isoNow() };
    if (credentials.passwordHash !== undefined) values.password_hash = credentials.passwordHash;
    if (credentials.pinHash !== undefined) values.pin_hash = credentials.pinHash;
    if (credentials.sipHa1Md5 !== undefined) values.sip_ha1_md5 = credentials.sipHa1Md5;
    if (credentials.sipHa1Sha256 !== undefined) values.sip_ha1_sha256 = credentials.sipHa1Sha256;
    if (credentials.sipRealm !== undefined) values.sip_realm = credentials.sipRealm;
    const result = await this.db
      .updateTable('subscribers')
      .set(values)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound(`no subscriber ${id}`);
  }

  async pinLockout(id: string): Promise<{ failures: number; lockedUntil: string | null }> {
    const row = await this.db
      .selectFrom('subscribers')
      .select(['pin_failures', 'pin_locked_until'])
      .where('id', '=', id)
      .executeTakeFirst();
    return { failures: Number(row?.pin_failures ?? 0), lockedUntil: row?.pin_locked_until ?? null };
  }

  /**
   * Counts a wrong PIN in one statement (two attempts at once both count); the one that reaches
   * `max` locks the mailbox until `lockUntil`. A lock that has run out starts the count afresh.
   */
  async recordPinFailure(id: string, max: number, now: string, lockUntil: string): Promise<void> {
    await this.db
      .updateTable('subscribers')
      .set((eb) => {
        const expired = eb.and([
          eb('pin_locked_until', 'is not', null),
          eb('pin_locked_until', '<=', now),
        ]);
        return {
          pin_failures: eb
            .case()
            .when(expired)
            .then(1)
            .else(eb('pin_failures', '+', 1))
            .end(),
          pin_locked_until: eb
            .case()
            .when(expired)
            .then(null)
            .when(eb('pin_failures', '>=', max - 1))
            .then(lockUntil)
            .else(eb.ref('pin_locked_until'))
            .end(),
        };
      })
      .where('id', '=', id)
      .execute();
  }

  async clearPinFailures(id: string): Promise<void> {
    await this.db
      .updateTable('subscribers')
      .set({ pin_failures: 0, pin_locked_until: null })
      .where('id', '=', id)
      .execute();
  }

  async createSession(session: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        token_hash: session.tokenHash,
        subscriber_id: session.subscriberId,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
      })
      .execute();
  }

  async findSession(tokenHash: string): Promise<Session | null> {
    const row = await this.reader
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return null;
    return {
      tokenHash: row.token_hash,
      subscriberId: row.subscriber_id,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    };
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }
}
