import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * Wrong phone PINs are counted per subscriber, and enough of them lock the mailbox for a while:
 * kept in the database, so that trying on another node or in another call gains nothing.
 */
export function pinLockout(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('subscribers')
        .addColumn('pin_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('subscribers').addColumn('pin_locked_until', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('subscribers').dropColumn('pin_locked_until').execute();
      await db.schema.alterTable('subscribers').dropColumn('pin_failures').execute();
    },
  };
}
