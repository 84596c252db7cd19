import type { Kysely, Selectable } from 'kysely';
import type { StagedBlob } from '../core/ingest.js';
import {
  isGreetingKind,
  type Greeting,
  type GreetingKind,
  type GreetingStore,
} from '../core/greeting.js';
import { BlobVault, type PreparedBlob } from './blobs/blob-vault.js';
import type { Database, GreetingsTable } from './schema.js';

function toGreeting(row: Selectable<GreetingsTable>): Greeting {
  if (!isGreetingKind(row.kind)) throw new Error(`unknown greeting kind ${row.kind} in the store`);
  return {
    kind: row.kind,
    contentType: row.content_type,
    size: Number(row.size),
    sha256: row.sha256,
    durationMs: Number(row.duration_ms),
    playable: {
      contentType: row.playable_type,
      size: Number(row.playable_size),
      sha256: row.playable_sha256,
    },
    updatedAt: row.updated_at,
  };
}

const ORDER: Record<GreetingKind, number> = { unavailable: 0, busy: 1, name: 2 };

export class GreetingRepository implements GreetingStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly reader: Kysely<Database> = db,
  ) {}

  async list(subscriberId: string): Promise<Greeting[]> {
    const rows = await this.reader
      .selectFrom('greetings')
      .selectAll()
      .where('subscriber_id', '=', subscriberId)
      .execute();
    return rows.map(toGreeting).sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  }

  async get(subscriberId: string, kind: GreetingKind): Promise<Greeting | null> {
    const row = await this.reader
      .selectFrom('greetings')
      .selectAll()
      .where('subscriber_id', '=', subscriberId)
      .where('kind', '=', kind)
      .executeTakeFirst();
    return row ? toGreeting(row) : null;
  }

  async save(
    subscriberId: string,
    greeting: Greeting,
    blobs: { original: StagedBlob; playable: StagedBlob },
  ): Promise<Greeting> {
    const row = {
      content_type: greeting.contentType,
      size: greeting.size,
      sha256: greeting.sha256,
      duration_ms: greeting.durationMs,
      playable_type: greeting.playable.contentType,
      playable_size: greeting.playable.size,
      playable_sha256: greeting.playable.sha256,
      updated_at: greeting.updatedAt,
    };
    // The blob rows and the greeting commit together: a crash leaves the old greeting whole.
    await this.db.transaction().execute(async (trx) => {
      await BlobVault.record(trx, blobs.original.staged as PreparedBlob);
      await BlobVault.record(trx, blobs.playable.staged as PreparedBlob);
      await trx
        .insertInto('greetings')
        .values({ subscriber_id: subscriberId, kind: greeting.kind, ...row })
        .onConflict((oc) => oc.columns(['subscriber_id', 'kind']).doUpdateSet(row))
        .execute();
    });
    return greeting;
  }

  async delete(subscriberId: string, kind: GreetingKind): Promise<boolean> {
    const result = await this.db
      .deleteFrom('greetings')
      .where('subscriber_id', '=', subscriberId)
      .where('kind', '=', kind)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
