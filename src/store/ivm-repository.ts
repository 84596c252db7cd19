import type { Kysely } from 'kysely';
import type {
  ContactState,
  IvmContactRow,
  IvmCopy,
  IvmDevice,
  IvmGroupRow,
  IvmPostRecord,
  IvmReceipt,
  IvmStore,
} from '../core/ivm.js';
import type { Database } from './schema.js';

/** The later of two sortable ids (UUIDv7 sort by time); null counts as the earliest. */
const later = (a: string | null, b: string | null | undefined): string | null =>
  b === undefined || b === null ? a : a === null || b > a ? b : a;

function copyOf(row: {
  message_id: string;
  mailbox_id: string;
  sender_id: string;
  client_id: string;
  recipient: string;
  waveform: string;
  delivered_at: string | null;
  played_at: string | null;
}): IvmCopy {
  return {
    messageId: row.message_id,
    mailboxId: row.mailbox_id,
    senderId: row.sender_id,
    clientId: row.client_id,
    recipient: row.recipient,
    waveform: JSON.parse(row.waveform) as number[],
    deliveredAt: row.delivered_at,
    playedAt: row.played_at,
  };
}

/** The voice messenger's state on SQLite or PostgreSQL. */
export class IvmRepository implements IvmStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly reader: Kysely<Database> = db,
  ) {}

  async contacts(ownerId: string): Promise<IvmContactRow[]> {
    const rows = await this.db
      .selectFrom('ivm_contacts')
      .select(['contact_id', 'state', 'since'])
      .where('owner_id', '=', ownerId)
      .orderBy('since')
      .execute();
    return rows.map((r) => ({
      contactId: r.contact_id,
      state: r.state as ContactState,
      since: r.since,
    }));
  }

  async contactState(ownerId: string, contactId: string): Promise<ContactState | null> {
    const row = await this.db
      .selectFrom('ivm_contacts')
      .select('state')
      .where('owner_id', '=', ownerId)
      .where('contact_id', '=', contactId)
      .executeTakeFirst();
    return (row?.state as ContactState | undefined) ?? null;
  }

  async requestContact(fromId: string, toId: string, now: string): Promise<ContactState> {
    return this.db.transaction().execute(async (tx) => {
      const mine = await tx
        .selectFrom('ivm_contacts')
        .select('state')
        .where('owner_id', '=', fromId)
        .where('contact_id', '=', toId)
        .executeTakeFirst();
      if (mine?.state === 'accepted') return 'accepted';
      const accept = mine?.state === 'incoming';
      const put = async (owner: string, contact: string, state: ContactState) =>
        tx
          .insertInto('ivm_contacts')
          .values({ owner_id: owner, contact_id: contact, state, since: now })
          .onConflict((oc) =>
            oc.columns(['owner_id', 'contact_id']).doUpdateSet({ state, since: now }),
          )
          .execute();
      await put(fromId, toId, accept ? 'accepted' : 'requested');
      await put(toId, fromId, accept ? 'accepted' : 'incoming');
      return accept ? 'accepted' : 'requested';
    });
  }

  async removeContact(ownerId: string, contactId: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const a = await tx
        .deleteFrom('ivm_contacts')
        .where('owner_id', '=', ownerId)
        .where('contact_id', '=', contactId)
        .executeTakeFirst();
      const b = await tx
        .deleteFrom('ivm_contacts')
        .where('owner_id', '=', contactId)
        .where('contact_id', '=', ownerId)
        .executeTakeFirst();
      return Number(a.numDeletedRows) + Number(b.numDeletedRows) > 0;
    });
  }

  async groups(ownerId: string): Promise<IvmGroupRow[]> {
    const rows = await this.db
      .selectFrom('ivm_groups')
      .select(['name', 'members'])
      .where('owner_id', '=', ownerId)
      .orderBy('name')
      .execute();
    return rows.map((r) => ({ name: r.name, members: JSON.parse(r.members) as string[] }));
  }

  async setGroup(ownerId: string, name: string, members: string[], now: string): Promise<void> {
    if (members.length === 0) {
      await this.db
        .deleteFrom('ivm_groups')
        .where('owner_id', '=', ownerId)
        .where('name', '=', name)
        .execute();
      return;
    }
    const json = JSON.stringify([...new Set(members)]);
    await this.db
      .insertInto('ivm_groups')
      .values({ owner_id: ownerId, name, members: json, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['owner_id', 'name']).doUpdateSet({ members: json, updated_at: now }),
      )
      .execute();
  }

  async allowAnyone(subscriberId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('ivm_settings')
      .select('allow_anyone')
      .where('subscriber_id', '=', subscriberId)
      .executeTakeFirst();
    return row?.allow_anyone === 1;
  }

  async setAllowAnyone(subscriberId: string, allow: boolean, now: string): Promise<void> {
    const value = allow ? 1 : 0;
    await this.db
      .insertInto('ivm_settings')
      .values({ subscriber_id: subscriberId, allow_anyone: value, updated_at: now })
      .onConflict((oc) =>
        oc.column('subscriber_id').doUpdateSet({ allow_anyone: value, updated_at: now }),
      )
      .execute();
  }

  async device(subscriberId: string, device: string): Promise<IvmDevice | null> {
    const row = await this.db
      .selectFrom('ivm_devices')
      .select(['cursor', 'receipt_cursor'])
      .where('subscriber_id', '=', subscriberId)
      .where('device', '=', device)
      .executeTakeFirst();
    return row ? { cursor: row.cursor, receiptCursor: row.receipt_cursor } : null;
  }

  async advanceDevice(
    subscriberId: string,
    device: string,
    cursors: { cursor?: string | null; receiptCursor?: string | null },
    now: string,
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('ivm_devices')
        .select(['cursor', 'receipt_cursor'])
        .where('subscriber_id', '=', subscriberId)
        .where('device', '=', device)
        .executeTakeFirst();
      const cursor = later(row?.cursor ?? null, cursors.cursor);
      const receipt = later(row?.receipt_cursor ?? null, cursors.receiptCursor);
      if (!row) {
        await tx
          .insertInto('ivm_devices')
          .values({
            subscriber_id: subscriberId,
            device,
            cursor,
            receipt_cursor: receipt,
            seen_at: now,
          })
          .onConflict((oc) => oc.columns(['subscriber_id', 'device']).doNothing())
          .execute();
        return;
      }
      await tx
        .updateTable('ivm_devices')
        .set({ cursor, receipt_cursor: receipt, seen_at: now })
        .where('subscriber_id', '=', subscriberId)
        .where('device', '=', device)
        .execute();
    });
  }

  async recordPost(
    senderId: string,
    clientId: string,
    post: IvmPostRecord,
    copies: Array<Omit<IvmCopy, 'deliveredAt' | 'playedAt'>>,
    now: string,
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('ivm_posts')
        .values({
          sender_id: senderId,
          client_id: clientId,
          messages: JSON.stringify(post.messages),
          duration_ms: post.durationMs,
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['sender_id', 'client_id']).doNothing())
        .execute();
      for (const c of copies)
        await tx
          .insertInto('ivm_copies')
          .values({
            message_id: c.messageId,
            mailbox_id: c.mailboxId,
            sender_id: c.senderId,
            client_id: c.clientId,
            recipient: c.recipient,
            waveform: JSON.stringify(c.waveform),
            delivered_at: null,
            played_at: null,
          })
          .onConflict((oc) => oc.column('message_id').doNothing())
          .execute();
    });
  }

  async post(senderId: string, clientId: string): Promise<IvmPostRecord | null> {
    const row = await this.db
      .selectFrom('ivm_posts')
      .select(['messages', 'duration_ms'])
      .where('sender_id', '=', senderId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row
      ? {
          messages: JSON.parse(row.messages) as Record<string, string>,
          durationMs: row.duration_ms,
        }
      : null;
  }

  async setWaveform(messageIds: string[], waveform: number[]): Promise<void> {
    if (messageIds.length === 0) return;
    await this.db
      .updateTable('ivm_copies')
      .set({ waveform: JSON.stringify(waveform) })
      .where('message_id', 'in', messageIds)
      .execute();
  }

  async copy(messageId: string): Promise<IvmCopy | null> {
    const row = await this.db
      .selectFrom('ivm_copies')
      .selectAll()
      .where('message_id', '=', messageId)
      .executeTakeFirst();
    return row ? copyOf(row) : null;
  }

  async waiting(mailboxId: string, after: string | null, limit: number): Promise<IvmCopy[]> {
    let query = this.db
      .selectFrom('ivm_copies as c')
      .innerJoin('messages as m', 'm.id', 'c.message_id')
      .selectAll('c')
      .where('c.mailbox_id', '=', mailboxId)
      .where('m.folder', 'not in', ['sent', 'trash']);
    query =
      after === null
        ? query.where('c.played_at', 'is', null).where('m.is_read', '=', 0)
        : query.where('c.message_id', '>', after);
    const rows = await query.orderBy('c.message_id').limit(limit).execute();
    return rows.map(copyOf);
  }

  private async markOnce(
    column: 'delivered_at' | 'played_at',
    messageId: string,
    at: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('ivm_copies')
      .set({ [column]: at })
      .where('message_id', '=', messageId)
      .where(column, 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  markDelivered(messageId: string, at: string): Promise<boolean> {
    return this.markOnce('delivered_at', messageId, at);
  }

  async markPlayed(messageId: string, at: string): Promise<boolean> {
    // Played implies delivered: a device that plays first says both.
    await this.markOnce('delivered_at', messageId, at);
    return this.markOnce('played_at', messageId, at);
  }

  async addReceipt(receipt: IvmReceipt): Promise<void> {
    await this.db
      .insertInto('ivm_receipts')
      .values({
        id: receipt.id,
        sender_id: receipt.senderId,
        client_id: receipt.clientId,
        recipient: receipt.recipient,
        state: receipt.state,
        at: receipt.at,
      })
      .onConflict((oc) => oc.columns(['sender_id', 'client_id', 'recipient', 'state']).doNothing())
      .execute();
  }

  async receipts(senderId: string, after: string | null, limit: number): Promise<IvmReceipt[]> {
    let query = this.reader
      .selectFrom('ivm_receipts')
      .selectAll()
      .where('sender_id', '=', senderId);
    if (after !== null) query = query.where('id', '>', after);
    const rows = await query.orderBy('id').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      senderId: r.sender_id,
      clientId: r.client_id,
      recipient: r.recipient,
      state: r.state as IvmReceipt['state'],
      at: r.at,
    }));
  }

  async latestReceiptId(senderId: string): Promise<string | null> {
    const row = await this.reader
      .selectFrom('ivm_receipts')
      .select('id')
      .where('sender_id', '=', senderId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.id ?? null;
  }
}
