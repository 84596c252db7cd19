import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * Which notice channels (services: SMS notices, email notices, calls) a subscriber has been
 * welcomed to, as a JSON array: a channel switched on later gets its own welcome (seed 000 claim
 * 19). Null until first seen: what a subscriber has then is taken as known, so an upgrade, or
 * the channels of a new account (its own welcome covers them), send nothing.
 */
export function serviceWelcomes(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('notice_state').addColumn('services_known', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('notice_state').dropColumn('services_known').execute();
    },
  };
}
