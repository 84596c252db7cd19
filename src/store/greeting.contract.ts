import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Greeting } from '../core/greeting.js';
import { BlobVault } from './blobs/blob-vault.js';
import { KeyRing } from './blobs/key-ring.js';
import { migrate, openDatabase, type DatabaseHandle } from './database.js';
import { GreetingRepository } from './greeting-repository.js';
import { SubscriberRepository } from './subscriber-repository.js';

const PROFILE = { language: 'en', timeZone: 'UTC', currency: 'USD' };

/**
 * The greeting store's contract, passed by SQLite and PostgreSQL alike: one greeting per
 * subscriber and kind, replaced in place, its audio sealed in the blob store, out of reach of
 * other subscribers, and gone with its subscriber.
 */
export function greetingContract(name: string, prepare: () => Promise<string | null>): void {
  describe(`greeting store contract: ${name}`, () => {
    let dataDir: string;
    let handle: DatabaseHandle;
    let blobs: BlobVault;
    let greetings: GreetingRepository;
    let subscribers: SubscriberRepository;
    let ann: string;
    let bob: string;

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'switchboard-greeting-contract-'));
      handle = openDatabase({ url: await prepare(), dataDir });
      await migrate(handle);
      // A low inline limit: the original goes to a file, the short normalized copy into a row.
      blobs = new BlobVault(
        handle.db,
        join(dataDir, 'blobs'),
        new KeyRing([{ id: 'k', key: Buffer.alloc(32, 7) }], 'k'),
        64,
        handle.reader,
      );
      greetings = new GreetingRepository(handle.db, handle.reader);
      subscribers = new SubscriberRepository(handle.db, handle.reader);
      ann = (await subscribers.create({ ...PROFILE, name: 'Ann', addresses: ['tel:+15550101'] }))
        .id;
      bob = (await subscribers.create({ ...PROFILE, name: 'Bob', addresses: ['tel:+15550102'] }))
        .id;
    });
    after(async () => {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** Stages an original and a playable copy and saves them as one greeting. */
    async function save(subscriberId: string, kind: Greeting['kind'], words: string) {
      const original = await blobs.stage(Buffer.from(`original audio: ${words} `.repeat(8)));
      const playable = await blobs.stage(Buffer.from(`8k: ${words}`));
      const greeting: Greeting = {
        kind,
        contentType: 'audio/ogg;codecs=opus',
        size: original.size,
        sha256: original.sha256,
        durationMs: 1500 + words.length,
        playable: {
          contentType: 'audio/wav;rate=8000',
          size: playable.size,
          sha256: playable.sha256,
        },
        updatedAt: new Date().toISOString(),
      };
      return greetings.save(subscriberId, greeting, { original, playable });
    }

    test('a saved greeting reads back whole, its audio sealed in the blob store', async () => {
      const saved = await save(ann, 'unavailable', 'Ann is away');
      assert.deepEqual(await greetings.get(ann, 'unavailable'), saved);
      assert.equal(
        (await blobs.get(saved.sha256)).toString(),
        'original audio: Ann is away '.repeat(8),
      );
      assert.equal((await blobs.get(saved.playable.sha256)).toString(), '8k: Ann is away');
      const row = await handle.db
        .selectFrom('blobs')
        .selectAll()
        .where('sha256', '=', saved.playable.sha256)
        .executeTakeFirstOrThrow();
      assert.equal(row.location, 'db');
      assert.ok(!row.data!.toString('latin1').includes('Ann is away'), 'encrypted in the row');
      const file = join(
        dataDir,
        'blobs',
        saved.sha256.slice(0, 2),
        saved.sha256.slice(2, 4),
        saved.sha256,
      );
      assert.ok(
        !readFileSync(file).toString('latin1').includes('Ann is away'),
        'encrypted on disk',
      );
    });

    test('saving a kind again replaces it; kinds list in a fixed order', async () => {
      await save(ann, 'name', 'Ann');
      await save(ann, 'busy', 'Ann is busy');
      const replaced = await save(ann, 'unavailable', 'Ann is on holiday');
      const listed = await greetings.list(ann);
      assert.deepEqual(
        listed.map((g) => g.kind),
        ['unavailable', 'busy', 'name'],
      );
      assert.deepEqual(listed[0], replaced);
      assert.equal(
        (await blobs.get(listed[0]!.playable.sha256)).toString(),
        '8k: Ann is on holiday',
      );
    });

    test('one subscriber never sees another’s greetings', async () => {
      assert.deepEqual(await greetings.list(bob), []);
      assert.equal(await greetings.get(bob, 'unavailable'), null);
      assert.equal(await greetings.delete(bob, 'unavailable'), false);
      assert.ok(await greetings.get(ann, 'unavailable'), 'Ann’s is untouched');
    });

    test('deleting removes one kind once; deleting the subscriber removes the rest', async () => {
      assert.equal(await greetings.delete(ann, 'busy'), true);
      assert.equal(await greetings.delete(ann, 'busy'), false);
      assert.deepEqual(
        (await greetings.list(ann)).map((g) => g.kind),
        ['unavailable', 'name'],
      );
      await save(bob, 'name', 'Bob');
      assert.equal(await subscribers.delete(bob), true);
      assert.deepEqual(await greetings.list(bob), []);
      assert.equal((await greetings.list(ann)).length, 2);
    });
  });
}
