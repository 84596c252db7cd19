import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * Account notices and digests (docs/notifications.md). `notice_state` remembers, per subscriber,
 * what the notice scheduler already told them, so that a restart or a second node does not tell
 * it again; `notice_digest_entries` are messages waiting for their digest (gone with the message
 * or the subscriber); `notice_leases` lets one node at a time run the scheduler.
 *
 * Subscribers active before this migration were never welcomed by it and are not welcomed now:
 * their state starts as "welcomed and reminded" so that an upgrade sends nobody anything.
 */
export function notices(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('notice_state')
        .addColumn('subscriber_id', 'text', (c) =>
          c.primaryKey().references('subscribers.id').onDelete('cascade'),
        )
        .addColumn('active_since', 'text')
        .addColumn('welcomed_at', 'text')
        .addColumn('pin_reminded_at', 'text')
        .addColumn('full_since', 'text')
        .addColumn('full_noticed_at', 'text')
        .addColumn('expiry_noticed_at', 'text')
        .execute();
      await sql`
        INSERT INTO notice_state (subscriber_id, active_since, welcomed_at, pin_reminded_at)
        SELECT id, created_at, created_at, created_at FROM subscribers WHERE status = 'active'
      `.execute(db);
      await db.schema
        .createTable('notice_digest_entries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subscriber_id', 'text', (c) =>
          c.notNull().references('subscribers.id').onDelete('cascade'),
        )
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) =>
          c.notNull().references('messages.id').onDelete('cascade'),
        )
        .addColumn('due_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('notice_digest_entries_due')
        .on('notice_digest_entries')
        .column('due_at')
        .execute();
      await db.schema
        .createIndex('notice_digest_entries_group')
        .on('notice_digest_entries')
        .columns(['subscriber_id', 'channel', 'recipient'])
        .execute();
      await db.schema
        .createIndex('notice_digest_entries_message')
        .on('notice_digest_entries')
        .column('message_id')
        .execute();
      await db.schema
        .createTable('notice_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('notice_leases').execute();
      await db.schema.dropTable('notice_digest_entries').execute();
      await db.schema.dropTable('notice_state').execute();
    },
  };
}
