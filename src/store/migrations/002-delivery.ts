import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * The delivery queue (seed 001's processing server): outbound resources with rates, the queue's
 * scheduling and lease columns, call detail records, and each subscriber's spend limit.
 * Money is kept in integer millionths of the currency unit ("micros"), never floating point.
 */
export function delivery(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('resources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('message_types', 'text', (c) => c.notNull())
        .addColumn('formats', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('channels', 'integer', (c) => c.notNull())
        .addColumn('rates', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('secret_sealed', 'text')
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      const columns: Array<[string, string, boolean]> = [
        ['kind', "text NOT NULL DEFAULT 'message'", false],
        ['subscriber_id', 'text', false],
        ['message_type', 'text', false],
        ['channel', 'text', false],
        ['priority_rank', 'integer NOT NULL DEFAULT 1', false],
        ['scheduled_at', 'text', false],
        ['expires_at', 'text', false],
        ['next_attempt_at', 'text', false],
        ['attempts', 'integer NOT NULL DEFAULT 0', false],
        ['max_attempts', 'integer NOT NULL DEFAULT 8', false],
        ['lease_owner', 'text', false],
        ['lease_until', 'text', false],
        ['resource_id', 'text', false],
        ['hold_reason', 'text', false],
        ['last_error', 'text', false],
        ['error_log', "text NOT NULL DEFAULT '[]'", false],
        ['payload', 'text', false],
        ['finished_at', 'text', false],
        ['receipt', 'integer NOT NULL DEFAULT 1', false],
      ];
      for (const [name, type] of columns)
        await sql`ALTER TABLE deliveries ADD COLUMN ${sql.raw(name)} ${sql.raw(type)}`.execute(db);
      await sql`UPDATE deliveries SET next_attempt_at = created_at WHERE next_attempt_at IS NULL`.execute(
        db,
      );
      // The claim reads due work in priority order; leases are found by their expiry.
      await db.schema
        .createIndex('deliveries_due')
        .on('deliveries')
        .columns(['status', 'priority_rank', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('deliveries_lease')
        .on('deliveries')
        .columns(['status', 'lease_until'])
        .execute();

      await db.schema
        .createTable('cdrs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('delivery_id', 'text', (c) => c.notNull())
        .addColumn('subscriber_id', 'text')
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('units', 'integer', (c) => c.notNull())
        .addColumn('rate_micros', 'bigint', (c) => c.notNull())
        .addColumn('cost_micros', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('cdrs_subscriber')
        .on('cdrs')
        .columns(['subscriber_id', 'started_at'])
        .execute();

      await sql`ALTER TABLE subscribers ADD COLUMN spend_limit_micros bigint`.execute(db);
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('cdrs').execute();
      await db.schema.dropTable('resources').execute();
    },
  };
}
