import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { open, seal } from '../../lib/aead.js';
import { writeFileDurably } from '../../lib/durable-fs.js';
import { sha256Hex } from '../../lib/hash.js';
import { isoNow } from '../../lib/time.js';
import type { StagedBlob } from '../../core/ingest.js';
import type { BlobStore } from '../../core/ports.js';
import type { BlobsTable, Database } from '../schema.js';
import type { KeyRing } from './key-ring.js';

/** A blob ready to be recorded in the ingest transaction (file already synced, or sealed bytes). */
export type PreparedBlob = Omit<BlobsTable, 'created_at'>;

const MAGIC = Buffer.from('SBB1');

/**
 * Content-addressed, encrypted blobs. Small blobs are sealed into the database row (written in
 * the same transaction as their message); larger ones go to `<dir>/ab/cd/<sha256>`, synced before
 * the transaction commits. The sha256 (the blob's name) is the associated data of the seal, so a
 * file cannot be swapped for another.
 */
export class BlobVault implements BlobStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dir: string,
    private readonly keys: KeyRing,
    private readonly inlineMaxBytes: number,
    private readonly reader: Kysely<Database> = db,
  ) {}

  private pathFor(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** Makes the bytes durable as far as a file goes; the row is written by the caller's transaction. */
  async prepare(data: Buffer): Promise<PreparedBlob> {
    const sha256 = sha256Hex(data);
    const aad = Buffer.from(sha256);
    if (data.length <= this.inlineMaxBytes) {
      return {
        sha256,
        size: data.length,
        key_id: this.keys.activeId,
        location: 'db',
        data: seal(this.keys.active, data, aad),
      };
    }
    const path = this.pathFor(sha256);
    if (!existsSync(path)) {
      const keyId = Buffer.from(this.keys.activeId);
      const header = Buffer.concat([MAGIC, Buffer.from([keyId.length]), keyId]);
      await writeFileDurably(path, Buffer.concat([header, seal(this.keys.active, data, aad)]));
      return {
        sha256,
        size: data.length,
        key_id: this.keys.activeId,
        location: 'file',
        data: null,
      };
    }
    const existing = await readFile(path);
    return { sha256, size: data.length, key_id: keyIdOf(existing), location: 'file', data: null };
  }

  /** Records a prepared blob; a blob already known is left as it is. */
  static async record(trx: Kysely<Database>, blob: PreparedBlob): Promise<void> {
    await trx
      .insertInto('blobs')
      .values({ ...blob, created_at: isoNow() })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
  }

  async put(data: Buffer): Promise<{ sha256: string; size: number }> {
    const blob = await this.prepare(data);
    await BlobVault.record(this.db, blob);
    return { sha256: blob.sha256, size: blob.size };
  }

  async stage(data: Buffer): Promise<StagedBlob> {
    const blob = await this.prepare(data);
    return { sha256: blob.sha256, size: blob.size, staged: blob };
  }

  async has(sha256: string): Promise<boolean> {
    const row = await this.reader
      .selectFrom('blobs')
      .select('sha256')
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    return row !== undefined;
  }

  async get(sha256: string): Promise<Buffer> {
    const row = await this.reader
      .selectFrom('blobs')
      .select(['key_id', 'location', 'data'])
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    if (!row) throw new Error(`blob ${sha256} not found`);
    const aad = Buffer.from(sha256);
    let plain: Buffer;
    if (row.location === 'db') {
      plain = open(this.keys.get(row.key_id), row.data!, aad);
    } else {
      const file = await readFile(this.pathFor(sha256));
      const keyId = keyIdOf(file);
      plain = open(
        this.keys.get(keyId),
        file.subarray(MAGIC.length + 1 + Buffer.byteLength(keyId)),
        aad,
      );
    }
    if (sha256Hex(plain) !== sha256) throw new Error(`blob ${sha256} does not match its hash`);
    return plain;
  }
}

function keyIdOf(file: Buffer): string {
  if (!file.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a Switchboard blob file');
  const length = file[MAGIC.length]!;
  return file.subarray(MAGIC.length + 1, MAGIC.length + 1 + length).toString();
}
