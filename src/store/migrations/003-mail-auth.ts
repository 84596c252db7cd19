import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/** Mail arrives with the verdict of its SPF, DKIM and DMARC checks, kept with each copy. */
export function mailAuth(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('messages').addColumn('auth_results', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('messages').dropColumn('auth_results').execute();
    },
  };
}
