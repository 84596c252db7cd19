import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * The voice messenger (docs/ivm.md): contacts with their states, named groups, the "anyone may
 * send me" setting, per-device cursors for resumption, each post's client id (so a post sent
 * again is not stored twice), each stored copy's waveform and receipts, and the receipts kept
 * for senders who are offline. Everything goes with its subscriber or message.
 */
export function ivm(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      /** A table whose rows belong to a subscriber (named by `column`) and go with them. */
      const owned = (table: string, column: string) =>
        db.schema
          .createTable(table)
          .addColumn(column, 'text', (c) =>
            c.notNull().references('subscribers.id').onDelete('cascade'),
          );
      await owned('ivm_contacts', 'owner_id')
        .addColumn('contact_id', 'text', (c) =>
          c.notNull().references('subscribers.id').onDelete('cascade'),
        )
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ivm_contacts_pk', ['owner_id', 'contact_id'])
        .execute();
      await db.schema
        .createIndex('ivm_contacts_contact')
        .on('ivm_contacts')
        .column('contact_id')
        .execute();
      await owned('ivm_groups', 'owner_id')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('members', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ivm_groups_pk', ['owner_id', 'name'])
        .execute();
      await owned('ivm_settings', 'subscriber_id')
        .addColumn('allow_anyone', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ivm_settings_pk', ['subscriber_id'])
        .execute();
      await owned('ivm_devices', 'subscriber_id')
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('cursor', 'text')
        .addColumn('receipt_cursor', 'text')
        .addColumn('seen_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ivm_devices_pk', ['subscriber_id', 'device'])
        .execute();
      await owned('ivm_posts', 'sender_id')
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('messages', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ivm_posts_pk', ['sender_id', 'client_id'])
        .execute();
      await db.schema
        .createTable('ivm_copies')
        .addColumn('message_id', 'text', (c) =>
          c.primaryKey().references('messages.id').onDelete('cascade'),
        )
        .addColumn('mailbox_id', 'text', (c) => c.notNull())
        .addColumn('sender_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('waveform', 'text', (c) => c.notNull())
        .addColumn('delivered_at', 'text')
        .addColumn('played_at', 'text')
        .execute();
      await db.schema
        .createIndex('ivm_copies_mailbox')
        .on('ivm_copies')
        .columns(['mailbox_id', 'message_id'])
        .execute();
      await owned('ivm_receipts', 'sender_id')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addUniqueConstraint('ivm_receipts_once', ['sender_id', 'client_id', 'recipient', 'state'])
        .execute();
      await db.schema
        .createIndex('ivm_receipts_sender')
        .on('ivm_receipts')
        .columns(['sender_id', 'id'])
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const table of [
        'ivm_receipts',
        'ivm_copies',
        'ivm_posts',
        'ivm_devices',
        'ivm_settings',
        'ivm_groups',
        'ivm_contacts',
      ])
        await db.schema.dropTable(table).execute();
    },
  };
}
