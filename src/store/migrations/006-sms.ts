import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * SMS: each part handed to an SMSC with the id it gave, so that a delivery receipt (maybe hours
 * later, maybe after a restart) finds its delivery; and the short codes of notices, which SMS
 * replies and the message link number name a message by.
 */
export function sms(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sms_submissions')
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('smsc_id', 'text', (c) => c.notNull())
        .addColumn('delivery_id', 'text', (c) => c.notNull())
        .addColumn('part', 'integer', (c) => c.notNull())
        .addColumn('parts', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sms_submissions_pk', ['resource_id', 'smsc_id'])
        .execute();
      await db.schema
        .createIndex('sms_submissions_delivery')
        .on('sms_submissions')
        .column('delivery_id')
        .execute();
      await db.schema
        .createTable('notice_codes')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('subscriber_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('notice_codes_subscriber')
        .on('notice_codes')
        .columns(['subscriber_id', 'created_at'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('notice_codes').execute();
      await db.schema.dropTable('sms_submissions').execute();
    },
  };
}
