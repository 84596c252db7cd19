import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ConversationStore, ConversationSummary, ThreadEntry } from '../core/conversation.js';
import type { DeliveryStatus } from '../core/delivery.js';
import type { Database, Dialect } from './schema.js';

/** Folders whose messages are no longer part of a conversation. */
const HIDDEN = ['trash', 'junk'];

/**
 * Conversations grouped by the other party in SQL, on SQLite or PostgreSQL. A received message's
 * party is its sender; a sent one's is its first recipient (to_addresses is a JSON array).
 * Messages are ordered by id: ids are UUIDv7, so that is arrival order.
 */
export class ConversationRepository implements ConversationStore {
  constructor(
    private readonly reader: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** The message's own text (not a transcript or other rendition), by its blob. */
  private text(): RawBuilder<string | null> {
    return sql<string | null>`(
      select p.sha256 from parts p
      where p.message_id = messages.id and p.derived_from is null
        and lower(p.content_type) like 'text/plain%'
      order by p.idx limit 1
    )`;
  }

  private party(): RawBuilder<string> {
    const firstRecipient =
      this.dialect === 'postgres'
        ? sql`(to_addresses::json ->> 0)`
        : sql`json_extract(to_addresses, '$[0]')`;
    return sql<string>`case when folder = 'sent' then ${firstRecipient} else from_address end`;
  }

  async conversations(
    mailboxId: string,
    type: string,
    limit: number,
  ): Promise<ConversationSummary[]> {
    const { rows } = await sql<{
      id: string;
      party: string;
      folder: string;
      created_at: string;
      text_sha256: string | null;
      total: number | string;
      unread: number | string;
    }>`
      with mine as (
        select id, folder, created_at, is_read, ${this.party()} as party,
          ${this.text()} as text_sha256
        from messages
        where mailbox_id = ${mailboxId} and type = ${type}
          and folder not in (${sql.join(HIDDEN)})
      ), ranked as (
        select id, folder, created_at, party, text_sha256,
          row_number() over (partition by party order by id desc) as position,
          count(*) over (partition by party) as total,
          sum(case when folder <> 'sent' and is_read = 0 then 1 else 0 end)
            over (partition by party) as unread
        from mine
        where party is not null
      )
      select id, party, folder, created_at, text_sha256, total, unread from ranked
      where position = 1
      order by id desc
      limit ${limit}
    `.execute(this.reader);
    return rows.map((r) => ({
      party: r.party,
      lastMessageId: r.id,
      lastAt: r.created_at,
      lastDirection: r.folder === 'sent' ? 'out' : 'in',
      // PostgreSQL answers count(*) and sum() as bigint strings.
      total: Number(r.total),
      unread: Number(r.unread),
      textSha256: r.text_sha256,
    }));
  }

  async thread(
    mailboxId: string,
    type: string,
    party: string,
    options: { before?: string; limit: number },
  ): Promise<ThreadEntry[]> {
    const { rows } = await sql<{
      id: string;
      folder: string;
      created_at: string;
      is_read: number;
      text_sha256: string | null;
    }>`
      select id, folder, created_at, is_read, ${this.text()} as text_sha256 from messages
      where mailbox_id = ${mailboxId} and type = ${type}
        and folder not in (${sql.join(HIDDEN)})
        and ${this.party()} = ${party}
        ${options.before ? sql`and id < ${options.before}` : sql``}
      order by id desc
      limit ${options.limit}
    `.execute(this.reader);
    const sent = rows.filter((r) => r.folder === 'sent').map((r) => r.id);
    const deliveries =
      sent.length === 0
        ? []
        : await this.reader
            .selectFrom('deliveries')
            .select(['message_id', 'status', 'last_error'])
            .where('message_id', 'in', sent)
            .where('kind', '=', 'message')
            .orderBy('id')
            .execute();
    const byMessage = new Map<
      string,
      Array<{ status: DeliveryStatus; lastError: string | null }>
    >();
    for (const d of deliveries)
      byMessage.set(d.message_id, [
        ...(byMessage.get(d.message_id) ?? []),
        { status: d.status as DeliveryStatus, lastError: d.last_error },
      ]);
    return rows.map((r) => ({
      id: r.id,
      direction: r.folder === 'sent' ? 'out' : 'in',
      createdAt: r.created_at,
      read: Number(r.is_read) === 1,
      textSha256: r.text_sha256,
      deliveries: r.folder === 'sent' ? (byMessage.get(r.id) ?? []) : null,
    }));
  }
}
