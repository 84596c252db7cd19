import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/** The foundation schema: directory, sessions, messages, parts, blobs, deliveries, search. */
export function initial(dialect: Dialect): Migration {
  const bytes = dialect === 'postgres' ? sql`bytea` : sql`blob`;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('subscribers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('time_zone', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('quota_bytes', 'bigint')
        .addColumn('quota_messages', 'integer')
        .addColumn('retention_days', 'integer')
        .addColumn('used_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('notification_preferences', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('dynamic', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('password_hash', 'text')
        .addColumn('pin_hash', 'text')
        .addColumn('sip_ha1_md5', 'text')
        .addColumn('sip_ha1_sha256', 'text')
        .addColumn('sip_realm', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('addresses')
        .addColumn('uri', 'text', (c) => c.primaryKey())
        .addColumn('subscriber_id', 'text', (c) =>
          c.notNull().references('subscribers.id').onDelete('cascade'),
        )
        .addColumn('position', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('addresses_subscriber')
        .on('addresses')
        .column('subscriber_id')
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('subscriber_id', 'text', (c) =>
          c.notNull().references('subscribers.id').onDelete('cascade'),
        )
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('mailbox_id', 'text', (c) =>
          c.notNull().references('subscribers.id').onDelete('cascade'),
        )
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('folder', 'text', (c) => c.notNull())
        .addColumn('previous_folder', 'text')
        .addColumn('from_address', 'text', (c) => c.notNull())
        .addColumn('to_addresses', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('is_read', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('urgent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('accessed_at', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'integer')
        .addColumn('pages', 'integer')
        .addColumn('search_rowid', 'integer')
        .execute();
      await db.schema
        .createIndex('messages_mailbox_folder')
        .on('messages')
        .columns(['mailbox_id', 'folder', 'id'])
        .execute();
      await db.schema
        .createIndex('messages_mailbox')
        .on('messages')
        .columns(['mailbox_id', 'id'])
        .execute();

      await db.schema
        .createTable('parts')
        .addColumn('message_id', 'text', (c) =>
          c.notNull().references('messages.id').onDelete('cascade'),
        )
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('filename', 'text')
        .addColumn('disposition', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('derived_from', 'integer')
        .addColumn('converter', 'text')
        .addPrimaryKeyConstraint('parts_pk', ['message_id', 'idx'])
        .execute();
      await db.schema.createIndex('parts_sha256').on('parts').column('sha256').execute();

      await db.schema
        .createTable('blobs')
        .addColumn('sha256', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('data', bytes)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('message_id', 'text', (c) =>
          c.notNull().references('messages.id').onDelete('cascade'),
        )
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('priority', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('deliveries_status')
        .on('deliveries')
        .columns(['status', 'id'])
        .execute();
      await db.schema
        .createIndex('deliveries_message')
        .on('deliveries')
        .column('message_id')
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('subscriber_id', 'text', (c) =>
          c.notNull().references('subscribers.id').onDelete('cascade'),
        )
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['subscriber_id', 'key'])
        .execute();

      // Full-text search over subjects and text parts: FTS5 on SQLite, tsvector + GIN on PostgreSQL.
      if (dialect === 'sqlite') {
        await sql`CREATE VIRTUAL TABLE message_search USING fts5(
          message_id UNINDEXED, mailbox_id UNINDEXED, subject, body,
          tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
      } else {
        await db.schema
          .createTable('message_search')
          // Deferred: the index row is written before its message row in the same transaction,
          // because SQLite's FTS rowid must be known when the message is inserted.
          .addColumn('message_id', 'text', (c) =>
            c
              .primaryKey()
              .modifyEnd(
                sql`REFERENCES messages (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED`,
              ),
          )
          .addColumn('mailbox_id', 'text', (c) => c.notNull())
          .addColumn('document', sql`tsvector`, (c) => c.notNull())
          .execute();
        await sql`CREATE INDEX message_search_document ON message_search USING gin (document)`.execute(
          db,
        );
        await db.schema
          .createIndex('message_search_mailbox')
          .on('message_search')
          .column('mailbox_id')
          .execute();
      }
    },
    async down(db: Kysely<any>) {
      for (const table of [
        'message_search',
        'idempotency_keys',
        'deliveries',
        'blobs',
        'parts',
        'messages',
        'sessions',
        'addresses',
        'subscribers',
      ])
        await db.schema.dropTable(table).ifExists().execute();
    },
  };
}
