import { sql, type Kysely } from 'kysely';
import { SwitchboardError } from '../core/errors.js';
import type {
  IngestCopyResult,
  IngestRecord,
  IngestResult,
  MailboxCopy,
  StagedBlob,
} from '../core/ingest.js';
import type { Message, MessagePatch, MessageQuery, Part } from '../core/message.js';
import type { MessageStore } from '../core/ports.js';
import { isoNow } from '../lib/time.js';
import { BlobVault, type PreparedBlob } from './blobs/blob-vault.js';
import type { Database, Dialect } from './schema.js';
import {
  appendToIndex,
  indexMessage,
  searchWords,
  unindexMessage,
  whereMatches,
} from './search.js';
import { toMessage } from './message-rows.js';
import { newDeliveryRow } from './delivery-rows.js';
import { insertSubscriber } from './subscriber-repository.js';
import { isUniqueViolation } from './unique-violation.js';

export class MessageRepository implements MessageStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    /** Plain reads; on SQLite a second connection, so listing need not wait for a group commit. */
    private readonly reader: Kysely<Database> = db,
  ) {}

  async commitIngest(records: IngestRecord[]): Promise<Array<IngestResult | Error>> {
    return this.db.transaction().execute(async (trx) => {
      const outcomes: Array<IngestResult | Error> = [];
      for (const record of records) {
        // Each record in its own savepoint: one refused message does not fail the batch.
        await sql`SAVEPOINT ingest`.execute(trx);
        try {
          outcomes.push(await this.applyRecord(trx, record));
          await sql`RELEASE SAVEPOINT ingest`.execute(trx);
        } catch (err) {
          await sql`ROLLBACK TO SAVEPOINT ingest`.execute(trx);
          await sql`RELEASE SAVEPOINT ingest`.execute(trx);
          outcomes.push(err instanceof Error ? err : new Error(String(err)));
        }
      }
      return outcomes;
    });
  }

  private async applyRecord(trx: Kysely<Database>, record: IngestRecord): Promise<IngestResult> {
    if (record.idempotency) {
      const seen = await trx
        .selectFrom('idempotency_keys')
        .select('result')
        .where('subscriber_id', '=', record.idempotency.subscriberId)
        .where('key', '=', record.idempotency.key)
        .executeTakeFirst();
      if (seen) return { ...(JSON.parse(seen.result) as IngestResult), replayed: true };
    }
    for (const blob of record.blobs) await BlobVault.record(trx, blob.staged as PreparedBlob);

    const copies: IngestCopyResult[] = [];
    for (const copy of record.copies) copies.push(await this.applyCopy(trx, record, copy));

    const now = isoNow();
    const sentCopy = copies.find((c) => c.folder === 'sent') ?? copies[0];
    if (record.deliveries.length > 0) {
      if (!sentCopy)
        throw new SwitchboardError(
          'invalid',
          'external recipients need a stored copy of the message',
        );
      await trx
        .insertInto('deliveries')
        .values(
          record.deliveries.map((d) =>
            newDeliveryRow({ ...d, messageId: d.messageId ?? sentCopy.messageId }, now),
          ),
        )
        .execute();
    }
    if (record.digestEntries && record.digestEntries.length > 0)
      await trx
        .insertInto('notice_digest_entries')
        .values(
          record.digestEntries.map((e) => ({
            id: e.id,
            subscriber_id: e.subscriberId,
            channel: e.channel,
            recipient: e.recipient,
            message_id: e.messageId,
            due_at: e.dueAt,
            created_at: now,
          })),
        )
        .execute();
    const result: IngestResult = { copies, deliveries: record.deliveries, replayed: false };
    if (record.idempotency)
      await trx
        .insertInto('idempotency_keys')
        .values({
          subscriber_id: record.idempotency.subscriberId,
          key: record.idempotency.key,
          result: JSON.stringify(result),
          created_at: now,
        })
        .execute();
    return result;
  }

  private async applyCopy(
    trx: Kysely<Database>,
    record: IngestRecord,
    copy: MailboxCopy,
  ): Promise<IngestCopyResult> {
    let mailboxId: string;
    let createdMailbox = false;
    const address = copy.target.address;
    if (copy.target.kind === 'existing') {
      mailboxId = copy.target.subscriberId;
    } else {
      const owner = await trx
        .selectFrom('addresses')
        .select('subscriber_id')
        .where('uri', '=', address)
        .executeTakeFirst();
      if (owner) mailboxId = owner.subscriber_id;
      else {
        const p = copy.target.profile;
        try {
          mailboxId = await insertSubscriber(trx, {
            ...p,
            language: p.language!,
            timeZone: p.timeZone!,
            currency: p.currency!,
          });
        } catch (err) {
          // Another node created the same mailbox a moment ago; intake retries and finds it.
          if (isUniqueViolation(err))
            throw new SwitchboardError('conflict', `the mailbox ${address} was just created`);
          throw err;
        }
        createdMailbox = true;
      }
    }

    // Quota is checked and charged in one statement, so concurrent arrivals cannot overfill.
    let charge = trx
      .updateTable('subscribers')
      .set((eb) => ({
        used_bytes: eb('used_bytes', '+', record.size),
        message_count: eb('message_count', '+', 1),
      }))
      .where('id', '=', mailboxId)
      .where('status', '=', 'active');
    if (copy.enforceQuota)
      charge = charge
        .where((eb) =>
          eb.or([
            eb('quota_bytes', 'is', null),
            eb(eb('used_bytes', '+', record.size), '<=', eb.ref('quota_bytes')),
          ]),
        )
        .where((eb) =>
          eb.or([
            eb('quota_messages', 'is', null),
            eb(eb('message_count', '+', 1), '<=', eb.ref('quota_messages')),
          ]),
        );
    const charged = await charge.executeTakeFirst();
    if (Number(charged.numUpdatedRows) === 0)
      throw new SwitchboardError(
        'quota-exceeded',
        `the mailbox of ${address} is full or not accepting messages`,
        { address },
      );

    const e = record.envelope;
    const searchRowid = await indexMessage(trx, this.dialect, {
      messageId: copy.messageId,
      mailboxId,
      subject: e.subject ?? '',
      body: record.searchText,
    });
    await trx
      .insertInto('messages')
      .values({
        id: copy.messageId,
        mailbox_id: mailboxId,
        type: e.type,
        folder: copy.folder,
        previous_folder: null,
        from_address: e.from,
        to_addresses: JSON.stringify(e.to),
        subject: e.subject,
        is_read: copy.read ? 1 : 0,
        urgent: e.urgent ? 1 : 0,
        created_at: e.createdAt,
        accessed_at: null,
        expires_at: e.expiresAt,
        size: record.size,
        duration_ms: e.durationMs,
        pages: e.pages,
        auth_results: e.authResults,
        search_rowid: searchRowid,
      })
      .execute();
    if (record.parts.length > 0)
      await trx
        .insertInto('parts')
        .values(
          record.parts.map((p) => ({
            message_id: copy.messageId,
            idx: p.index,
            content_type: p.contentType,
            filename: p.filename,
            disposition: p.disposition,
            size: p.size,
            sha256: p.sha256,
            derived_from: p.derivedFrom,
            converter: p.converter,
          })),
        )
        .execute();
    return { messageId: copy.messageId, mailboxId, address, folder: copy.folder, createdMailbox };
  }

  async list(mailboxId: string, query: MessageQuery): Promise<Message[]> {
    let q = this.reader.selectFrom('messages').selectAll().where('mailbox_id', '=', mailboxId);
    if (query.folder !== undefined) q = q.where('folder', '=', query.folder);
    if (query.type !== undefined) q = q.where('type', '=', query.type);
    if (query.unread !== undefined) q = q.where('is_read', '=', query.unread ? 0 : 1);
    if (query.before !== undefined) q = q.where('id', '<', query.before);
    if (query.q !== undefined) {
      const words = searchWords(query.q);
      if (words.length === 0) return [];
      q = whereMatches(q, this.dialect, mailboxId, words);
    }
    const rows = await q
      .orderBy('id', 'desc')
      .limit(query.limit ?? 50)
      .execute();
    if (rows.length === 0) return [];
    const parts = await this.reader
      .selectFrom('parts')
      .selectAll()
      .where(
        'message_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const byMessage = new Map<string, typeof parts>();
    for (const p of parts) byMessage.set(p.message_id, [...(byMessage.get(p.message_id) ?? []), p]);
    return rows.map((row) => toMessage(row, byMessage.get(row.id) ?? []));
  }

  async get(mailboxId: string, id: string): Promise<Message | null> {
    return this.load(id, mailboxId);
  }

  async find(id: string): Promise<Message | null> {
    return this.load(id, null);
  }

  /** A message with its parts; scoped to a mailbox unless the caller is the system itself. */
  private async load(id: string, mailboxId: string | null): Promise<Message | null> {
    let q = this.reader.selectFrom('messages').selectAll().where('id', '=', id);
    if (mailboxId !== null) q = q.where('mailbox_id', '=', mailboxId);
    const row = await q.executeTakeFirst();
    if (!row) return null;
    const parts = await this.reader
      .selectFrom('parts')
      .selectAll()
      .where('message_id', '=', id)
      .execute();
    return toMessage(row, parts);
  }

  async update(
    mailboxId: string,
    id: string,
    patch: MessagePatch & { previousFolder?: string | null },
  ): Promise<Message | null> {
    const values: Record<string, unknown> = {};
    if (patch.read !== undefined) values.is_read = patch.read ? 1 : 0;
    if (patch.urgent !== undefined) values.urgent = patch.urgent ? 1 : 0;
    if (patch.folder !== undefined) values.folder = patch.folder;
    if (patch.previousFolder !== undefined) values.previous_folder = patch.previousFolder;
    if (Object.keys(values).length > 0)
      await this.db
        .updateTable('messages')
        .set(values)
        .where('id', '=', id)
        .where('mailbox_id', '=', mailboxId)
        .execute();
    return this.get(mailboxId, id);
  }

  async folderCounts(mailboxId: string) {
    const rows = await this.reader
      .selectFrom('messages')
      .select((eb) => [
        'folder',
        eb.fn.countAll<number>().as('total'),
        eb.fn.sum<number>('is_read').as('read'),
      ])
      .where('mailbox_id', '=', mailboxId)
      .groupBy('folder')
      .orderBy('folder')
      .execute();
    return rows.map((r) => ({
      folder: r.folder,
      total: Number(r.total),
      unread: Number(r.total) - Number(r.read ?? 0),
    }));
  }

  async waitingCounts(mailboxId: string) {
    const rows = await this.reader
      .selectFrom('messages')
      .select((eb) => ['type', 'is_read', 'urgent', eb.fn.countAll<number>().as('count')])
      .where('mailbox_id', '=', mailboxId)
      .where('folder', '=', 'inbox')
      .groupBy(['type', 'is_read', 'urgent'])
      .execute();
    return rows.map((r) => ({
      type: r.type,
      read: Number(r.is_read) === 1,
      urgent: Number(r.urgent) === 1,
      count: Number(r.count),
    }));
  }

  async markAccessed(mailboxId: string, id: string, at: string): Promise<void> {
    await this.db
      .updateTable('messages')
      .set({ accessed_at: at })
      .where('id', '=', id)
      .where('mailbox_id', '=', mailboxId)
      .execute();
  }

  async addPart(
    mailboxId: string,
    messageId: string,
    part: {
      contentType: string;
      filename: string | null;
      derivedFrom: number;
      converter: string;
      searchText?: string;
    },
    blob: StagedBlob,
  ): Promise<Part | null> {
    return this.db.transaction().execute(async (trx) => {
      const message = await trx
        .selectFrom('messages')
        .select(['id', 'search_rowid'])
        .where('id', '=', messageId)
        .where('mailbox_id', '=', mailboxId)
        .executeTakeFirst();
      if (!message) return null;
      await BlobVault.record(trx, blob.staged as PreparedBlob);
      const { max } = await trx
        .selectFrom('parts')
        .select((eb) => eb.fn.max<number>('idx').as('max'))
        .where('message_id', '=', messageId)
        .executeTakeFirstOrThrow();
      const record = {
        index: Number(max ?? 0) + 1,
        contentType: part.contentType,
        filename: part.filename,
        disposition: 'inline' as const,
        size: blob.size,
        sha256: blob.sha256,
        derivedFrom: part.derivedFrom,
        converter: part.converter,
      };
      await trx
        .insertInto('parts')
        .values({
          message_id: messageId,
          idx: record.index,
          content_type: record.contentType,
          filename: record.filename,
          disposition: record.disposition,
          size: record.size,
          sha256: record.sha256,
          derived_from: record.derivedFrom,
          converter: record.converter,
        })
        .execute();
      if (part.searchText)
        await appendToIndex(trx, this.dialect, {
          messageId,
          searchRowid: message.search_rowid,
          text: part.searchText,
        });
      return record;
    });
  }

  async expired(now: string, limit: number): Promise<Array<{ mailboxId: string; id: string }>> {
    const found = new Map<string, { mailboxId: string; id: string; at: string }>();
    const own = await this.db
      .selectFrom('messages')
      .select(['id', 'mailbox_id', 'created_at'])
      .where('expires_at', '<=', now)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    for (const r of own) found.set(r.id, { mailboxId: r.mailbox_id, id: r.id, at: r.created_at });
    // Timestamps are text: one query per retention in use, each with its own cut-off.
    const retentions = await this.db
      .selectFrom('subscribers')
      .select('retention_days')
      .distinct()
      .where('retention_days', 'is not', null)
      .where('retention_days', '>', 0)
      .execute();
    for (const { retention_days } of retentions) {
      const cutoff = new Date(Date.parse(now) - Number(retention_days) * 86_400_000).toISOString();
      const rows = await this.db
        .selectFrom('messages as m')
        .innerJoin('subscribers as s', 's.id', 'm.mailbox_id')
        .select(['m.id', 'm.mailbox_id', 'm.created_at'])
        .where('s.retention_days', '=', retention_days)
        .where('m.created_at', '<=', cutoff)
        .orderBy('m.created_at')
        .limit(limit)
        .execute();
      for (const r of rows)
        found.set(r.id, { mailboxId: r.mailbox_id, id: r.id, at: r.created_at });
    }
    return [...found.values()]
      .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id))
      .slice(0, limit)
      .map(({ mailboxId, id }) => ({ mailboxId, id }));
  }

  async purge(mailboxId: string, id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('messages')
        .select(['size', 'search_rowid'])
        .where('id', '=', id)
        .where('mailbox_id', '=', mailboxId)
        .executeTakeFirst();
      if (!row) return false;
      await unindexMessage(trx, this.dialect, row.search_rowid);
      await trx.deleteFrom('messages').where('id', '=', id).execute();
      await trx
        .updateTable('subscribers')
        .set((eb) => ({
          used_bytes: eb('used_bytes', '-', Number(row.size)),
          message_count: eb('message_count', '-', 1),
        }))
        .where('id', '=', mailboxId)
        .execute();
      return true;
    });
  }

  async listDeliveries(options: { messageId?: string; status?: string; limit: number }) {
    let q = this.reader.selectFrom('deliveries').selectAll().orderBy('id').limit(options.limit);
    if (options.messageId) q = q.where('message_id', '=', options.messageId);
    if (options.status) q = q.where('status', '=', options.status);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      messageId: r.message_id,
      recipient: r.recipient,
      status: r.status,
      priority: r.priority,
      createdAt: r.created_at,
    }));
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }
}
