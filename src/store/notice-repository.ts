import { sql, type Kysely } from 'kysely';
import type { DeliveryRecord } from '../core/ingest.js';
import type {
  AccountNoticeKind,
  DigestGroup,
  DigestMessage,
  DueNotice,
  ExpiringMessage,
  NoticeStore,
} from '../core/notice-ports.js';
import { newDeliveryRow } from './delivery-rows.js';
import type { Database } from './schema.js';

const DAY_MS = 86_400_000;

/** Which columns hold an account notice's episode and its "sent" mark. */
type StateColumn =
  | 'active_since'
  | 'welcomed_at'
  | 'pin_reminded_at'
  | 'full_since'
  | 'full_noticed_at'
  | 'expiry_noticed_at';
const COLUMNS: Record<
  Exclude<AccountNoticeKind, 'service-welcome'>,
  { since: StateColumn; sent: StateColumn }
> = {
  welcome: { since: 'active_since', sent: 'welcomed_at' },
  'pin-reminder': { since: 'active_since', sent: 'pin_reminded_at' },
  'nearly-full': { since: 'full_since', sent: 'full_noticed_at' },
  expiring: { since: 'expiry_noticed_at', sent: 'expiry_noticed_at' },
};

/** Account notice state, the scheduler's lease and digest entries, on SQLite or PostgreSQL. */
export class NoticeRepository implements NoticeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async servicesKnown(
    afterId: string,
    limit: number,
  ): Promise<Array<{ subscriberId: string; channels: string[] | null }>> {
    const rows = await this.db
      .selectFrom('notice_state as n')
      .innerJoin('subscribers as s', 's.id', 'n.subscriber_id')
      .select(['n.subscriber_id', 'n.services_known'])
      .where('s.status', '=', 'active')
      .where('n.welcomed_at', 'is not', null)
      .where('n.subscriber_id', '>', afterId)
      .orderBy('n.subscriber_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      subscriberId: r.subscriber_id,
      channels: r.services_known === null ? null : (JSON.parse(r.services_known) as string[]),
    }));
  }

  async setServicesKnown(subscriberId: string, channels: string[]): Promise<void> {
    await this.db
      .updateTable('notice_state')
      .set({ services_known: JSON.stringify([...channels].sort()) })
      .where('subscriber_id', '=', subscriberId)
      .execute();
  }

  async lease(name: string, owner: string, now: string, until: string): Promise<boolean> {
    await this.db
      .insertInto('notice_leases')
      .values({ name, owner, lease_until: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    // One conditional update: of several nodes, at most one finds the lease free or its own.
    const taken = await this.db
      .updateTable('notice_leases')
      .set({ owner, lease_until: until })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('owner', '=', owner), eb('lease_until', '<=', now)]))
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1;
  }

  async trackActivations(now: string): Promise<void> {
    await sql`
      INSERT INTO notice_state (subscriber_id, active_since)
      SELECT s.id, ${now} FROM subscribers s
       WHERE s.status = 'active'
         AND NOT EXISTS (SELECT 1 FROM notice_state n WHERE n.subscriber_id = s.id)
      ON CONFLICT (subscriber_id) DO NOTHING`.execute(this.db);
    await sql`
      UPDATE notice_state SET active_since = ${now}, welcomed_at = NULL, pin_reminded_at = NULL
       WHERE active_since IS NULL
         AND subscriber_id IN (SELECT id FROM subscribers WHERE status = 'active')`.execute(
      this.db,
    );
    await sql`
      UPDATE notice_state SET active_since = NULL, welcomed_at = NULL, pin_reminded_at = NULL
       WHERE active_since IS NOT NULL
         AND subscriber_id IN (SELECT id FROM subscribers WHERE status <> 'active')`.execute(
      this.db,
    );
  }

  async welcomesDue(activatedBefore: string, limit: number): Promise<DueNotice[]> {
    const rows = await this.db
      .selectFrom('notice_state')
      .select(['subscriber_id', 'active_since'])
      .where('active_since', '<=', activatedBefore)
      .where('welcomed_at', 'is', null)
      .orderBy('active_since')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ subscriberId: r.subscriber_id, since: r.active_since! }));
  }

  async pinRemindersDue(activatedBefore: string, limit: number): Promise<DueNotice[]> {
    const rows = await this.db
      .selectFrom('notice_state as n')
      .innerJoin('subscribers as s', 's.id', 'n.subscriber_id')
      .select(['n.subscriber_id', 'n.active_since'])
      .where('s.status', '=', 'active')
      .where('s.pin_hash', 'is', null)
      .where('n.active_since', '<=', activatedBefore)
      .where('n.pin_reminded_at', 'is', null)
      .orderBy('n.active_since')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ subscriberId: r.subscriber_id, since: r.active_since! }));
  }

  async trackFullness(percent: number, now: string): Promise<void> {
    // Whole numbers on both sides (bigint: 100 times a byte count needs more than 32 bits).
    const full = sql`(
      (s.quota_bytes IS NOT NULL AND CAST(s.used_bytes AS BIGINT) * 100 >= CAST(s.quota_bytes AS BIGINT) * ${percent})
      OR (s.quota_messages IS NOT NULL AND CAST(s.message_count AS BIGINT) * 100 >= CAST(s.quota_messages AS BIGINT) * ${percent}))`;
    await sql`
      UPDATE notice_state SET full_since = ${now}, full_noticed_at = NULL
       WHERE full_since IS NULL
         AND subscriber_id IN (SELECT s.id FROM subscribers s WHERE s.status = 'active' AND ${full})`.execute(
      this.db,
    );
    await sql`
      UPDATE notice_state SET full_since = NULL, full_noticed_at = NULL
       WHERE full_since IS NOT NULL
         AND subscriber_id IN (SELECT s.id FROM subscribers s WHERE NOT ${full})`.execute(this.db);
  }

  async nearlyFullDue(limit: number): Promise<DueNotice[]> {
    const rows = await this.db
      .selectFrom('notice_state')
      .select(['subscriber_id', 'full_since'])
      .where('full_since', 'is not', null)
      .where('full_noticed_at', 'is', null)
      .orderBy('full_since')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ subscriberId: r.subscriber_id, since: r.full_since! }));
  }

  /**
   * Retention is in whole days per subscriber, and timestamps are text: so one query per
   * retention value in use, each with its own cut-off, plus the messages with an expiry time.
   */
  async expiringDue(horizon: string, toldBefore: string, limit: number): Promise<DueNotice[]> {
    const found = new Map<string, string>();
    const base = () =>
      this.db
        .selectFrom('messages as m')
        .innerJoin('subscribers as s', 's.id', 'm.mailbox_id')
        .innerJoin('notice_state as n', 'n.subscriber_id', 's.id')
        .select(['s.id', 'n.expiry_noticed_at'])
        .distinct()
        .where('s.status', '=', 'active')
        .where((eb) =>
          eb.or([
            eb('n.expiry_noticed_at', 'is', null),
            eb('n.expiry_noticed_at', '<', toldBefore),
          ]),
        )
        .limit(limit);
    for (const r of await base().where('m.expires_at', '<=', horizon).execute())
      found.set(r.id, r.expiry_noticed_at ?? '');
    const retentions = await this.db
      .selectFrom('subscribers')
      .select('retention_days')
      .distinct()
      .where('retention_days', 'is not', null)
      .where('retention_days', '>', 0)
      .execute();
    for (const { retention_days } of retentions) {
      const cutoff = new Date(Date.parse(horizon) - Number(retention_days) * DAY_MS).toISOString();
      const rows = await base()
        .where('s.retention_days', '=', retention_days)
        .where('m.created_at', '<=', cutoff)
        .execute();
      for (const r of rows) found.set(r.id, r.expiry_noticed_at ?? '');
    }
    return [...found].slice(0, limit).map(([subscriberId, since]) => ({ subscriberId, since }));
  }

  async expiringMessages(
    subscriberId: string,
    horizon: string,
    limit: number,
  ): Promise<ExpiringMessage[]> {
    const owner = await this.db
      .selectFrom('subscribers')
      .select('retention_days')
      .where('id', '=', subscriberId)
      .executeTakeFirst();
    const days = owner?.retention_days ? Number(owner.retention_days) : null;
    const cutoff = days ? new Date(Date.parse(horizon) - days * DAY_MS).toISOString() : null;
    const rows = await this.db
      .selectFrom('messages')
      .select(['id', 'type', 'from_address', 'subject', 'created_at', 'expires_at'])
      .where('mailbox_id', '=', subscriberId)
      .where((eb) =>
        eb.or([
          eb('expires_at', '<=', horizon),
          ...(cutoff ? [eb('created_at', '<=', cutoff)] : []),
        ]),
      )
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows
      .map((r) => {
        const byRetention = days
          ? new Date(Date.parse(r.created_at) + days * DAY_MS).toISOString()
          : null;
        const goes = [r.expires_at, byRetention].filter((t): t is string => !!t).sort()[0]!;
        return {
          id: r.id,
          type: r.type,
          from: r.from_address,
          subject: r.subject,
          createdAt: r.created_at,
          expiresAt: goes,
        };
      })
      .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  }

  async markSent(
    kind: AccountNoticeKind,
    subscriberId: string,
    since: string,
    now: string,
  ): Promise<void> {
    // Service welcomes are kept as the channels told about (setServicesKnown), not as a time.
    if (kind === 'service-welcome') return;
    const c = COLUMNS[kind];
    await this.db
      .updateTable('notice_state')
      .set({ [c.sent]: now })
      .where('subscriber_id', '=', subscriberId)
      .where((eb) => (since === '' ? eb(c.since, 'is', null) : eb(c.since, '=', since)))
      .execute();
  }

  async digestsDue(now: string, limit: number): Promise<DigestGroup[]> {
    const rows = await this.db
      .selectFrom('notice_digest_entries')
      .select(['subscriber_id', 'channel', 'recipient'])
      .groupBy(['subscriber_id', 'channel', 'recipient'])
      .having((eb) => eb.fn.min('due_at'), '<=', now)
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      subscriberId: r.subscriber_id,
      channel: r.channel,
      recipient: r.recipient,
    }));
  }

  async takeDigest(
    group: DigestGroup,
    now: string,
    maxListed: number,
    build: (messages: DigestMessage[], more: number) => DeliveryRecord & { messageId: string },
  ): Promise<DeliveryRecord | null> {
    return this.db.transaction().execute(async (trx) => {
      // Deleting is the claim: an entry deleted here is in this digest and no other.
      const taken = await trx
        .deleteFrom('notice_digest_entries')
        .where('subscriber_id', '=', group.subscriberId)
        .where('channel', '=', group.channel)
        .where('recipient', '=', group.recipient)
        .where('created_at', '<=', now)
        .returning('message_id')
        .execute();
      if (taken.length === 0) return null;
      // Read or thrown away since: the subscriber has seen it, the digest need not say it.
      const rows = await trx
        .selectFrom('messages')
        .select([
          'id',
          'type',
          'from_address',
          'subject',
          'urgent',
          'created_at',
          'duration_ms',
          'pages',
        ])
        .where(
          'id',
          'in',
          taken.map((t) => t.message_id),
        )
        .where('is_read', '=', 0)
        .where('folder', '<>', 'trash')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      if (rows.length === 0) return null;
      const messages: DigestMessage[] = rows.map((r) => ({
        id: r.id,
        type: r.type,
        from: r.from_address,
        subject: r.subject,
        urgent: Number(r.urgent) === 1,
        createdAt: r.created_at,
        durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
        pages: r.pages === null ? null : Number(r.pages),
      }));
      const listed = messages.slice(-maxListed);
      const delivery = build(listed, messages.length - listed.length);
      await trx.insertInto('deliveries').values(newDeliveryRow(delivery, now)).execute();
      return delivery;
    });
  }
}
