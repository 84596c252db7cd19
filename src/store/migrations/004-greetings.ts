import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * Greetings callers hear (unavailable, busy, name): one row per subscriber and kind, naming the
 * encrypted blobs of the audio as given and of its normalized copy for telephony.
 */
export function greetings(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('greetings')
        .addColumn('subscriber_id', 'text', (c) =>
          c.notNull().references('subscribers.id').onDelete('cascade'),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        // Unlike parts, greetings name their blobs by foreign key: a future blob sweep that
        // forgot greetings would fail loudly instead of deleting what callers are to hear.
        .addColumn('sha256', 'text', (c) => c.notNull().references('blobs.sha256'))
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('playable_type', 'text', (c) => c.notNull())
        .addColumn('playable_size', 'bigint', (c) => c.notNull())
        .addColumn('playable_sha256', 'text', (c) => c.notNull().references('blobs.sha256'))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('greetings_pk', ['subscriber_id', 'kind'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('greetings').execute();
    },
  };
}
