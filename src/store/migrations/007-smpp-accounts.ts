import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * SMPP accounts: applications binding to the SMPP server with a system_id and password, each
 * acting for one subscriber (gone with that subscriber). Source addresses are a JSON list.
 */
export function smppAccounts(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('smpp_accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('system_id', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('subscriber_id', 'text', (c) =>
          c.notNull().references('subscribers.id').onDelete('cascade'),
        )
        .addColumn('source_addresses', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('throughput', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('smpp_accounts_subscriber')
        .on('smpp_accounts')
        .column('subscriber_id')
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('smpp_accounts').execute();
    },
  };
}
