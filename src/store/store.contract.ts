import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { LocalBus } from '../cluster/local-bus.js';
import { MailboxService } from '../core/mailbox.js';
import { isSwitchboardError } from '../core/errors.js';
import type { Subscriber } from '../core/subscriber.js';
import { Directory } from '../directory/directory.js';
import { Intake } from '../intake/intake.js';
import { BlobVault } from './blobs/blob-vault.js';
import { KeyRing } from './blobs/key-ring.js';
import { migrate, openDatabase, type DatabaseHandle } from './database.js';
import { MessageRepository } from './message-repository.js';
import { ConversationRepository } from './conversation-repository.js';
import { SubscriberRepository } from './subscriber-repository.js';

const PROFILE = {
  language: 'en',
  timeZone: 'UTC',
  currency: 'USD',
  quotaBytes: null,
  quotaMessages: null,
  retentionDays: null,
};
const key = (byte: number) => Buffer.alloc(32, byte);

/** Rejects with a SwitchboardError of the given kind. */
async function refusedWith(kind: string, promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => isSwitchboardError(err) && err.kind === kind);
}

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    out = statSync(path).isDirectory() ? out.concat(filesUnder(path)) : out.concat(path);
  }
  return out;
}

/**
 * The one contract every store implementation passes (SQLite and PostgreSQL): subscribers,
 * sessions, ingest with group commit, quota, dynamic mailboxes, idempotency, search, folders,
 * deliveries and encrypted blobs. `prepare` gives an empty database URL (null for SQLite).
 */
export function storeContract(name: string, prepare: () => Promise<string | null>): void {
  describe(`store contract: ${name}`, () => {
    let dataDir: string;
    let handle: DatabaseHandle;
    let subscribers: SubscriberRepository;
    let messages: MessageRepository;
    let blobs: BlobVault;
    let directory: Directory;
    let intake: Intake;
    let mailbox: MailboxService;
    let ann: Subscriber;
    let bob: Subscriber;

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'switchboard-contract-'));
      handle = openDatabase({ url: await prepare(), dataDir });
      assert.ok((await migrate(handle)).length > 0, 'a fresh database gets the migrations');
      assert.deepEqual(await migrate(handle), [], 'migrating again does nothing');
      subscribers = new SubscriberRepository(handle.db, handle.reader);
      messages = new MessageRepository(handle.db, handle.dialect, handle.reader);
      blobs = new BlobVault(
        handle.db,
        join(dataDir, 'blobs'),
        new KeyRing([{ id: 'k1', key: key(1) }], 'k1'),
        64,
      );
      const bus = new LocalBus();
      directory = new Directory(subscribers, subscribers, {
        ownership: { domains: ['example.test'], numberRanges: ['+1555'] },
        dynamicMailboxes: true,
        defaultProfile: { ...PROFILE, quotaBytes: 1_000_000 },
        sessionTtlHours: 1,
      });
      intake = new Intake(directory, messages, blobs, bus, {
        maxMessageBytes: 1_000_000,
        maxRecipients: 10,
        maxParts: 10,
      });
      mailbox = new MailboxService(messages, blobs, bus);
      ann = await directory.add({
        name: 'Ann',
        addresses: ['tel:+15550001', 'mailto:ann@example.test'],
        password: 'ann password 1',
      });
      bob = await directory.add({
        name: 'Bob',
        addresses: ['sip:bob@example.test'],
        quotaBytes: 2000,
      });
    });

    after(async () => {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('subscribers: create, find by any address, update, list, refuse a taken address', async () => {
      assert.equal(
        (await directory.findByAddress('mailto:ANN@example.test'))?.id,
        ann.id,
        'addresses are normalised',
      );
      assert.equal((await directory.findByAddress('+15550001'))?.id, ann.id);
      assert.equal(ann.quotaBytes, 1_000_000, 'the default profile applies when none is given');
      assert.equal(bob.quotaBytes, 2000);
      await refusedWith('conflict', directory.add({ name: 'Eve', addresses: ['tel:+15550001'] }));
      const renamed = await directory.update(ann.id, {
        name: 'Ann Smith',
        timeZone: 'Europe/Berlin',
      });
      assert.equal(renamed.name, 'Ann Smith');
      assert.equal(renamed.timeZone, 'Europe/Berlin');
      const listed = await directory.list({ limit: 10 });
      assert.deepEqual(
        listed.map((s) => s.id),
        [ann.id, bob.id],
      );
      assert.deepEqual(
        await directory.list({ limit: 10, after: ann.id }).then((l) => l.map((s) => s.id)),
        [bob.id],
      );
    });

    test('credentials are hashed and sessions expire with sign-out', async () => {
      const row = await handle.db
        .selectFrom('subscribers')
        .selectAll()
        .where('id', '=', ann.id)
        .executeTakeFirstOrThrow();
      assert.ok(
        !JSON.stringify(row).includes('ann password 1'),
        'no plaintext password in the row',
      );
      await refusedWith(
        'unauthorized',
        directory.signIn('mailto:ann@example.test', 'wrong password'),
      );
      const { token } = await directory.signIn('mailto:ann@example.test', 'ann password 1');
      assert.equal((await directory.authenticate(token))?.id, ann.id);
      await directory.signOut(token);
      assert.equal(await directory.authenticate(token), null);
    });

    test('phone PINs: wrong ones counted, the third locks, the lock runs out, the right PIN clears', async () => {
      await directory.update(bob.id, { pin: '2468' });
      const policy = { max: 3, lockoutMs: 60_000 };
      const t0 = new Date('2026-01-01T10:00:00Z');
      for (let i = 0; i < 3; i++)
        assert.equal(await directory.checkPin(bob.id, '1111', policy, t0), 'wrong');
      assert.equal(await directory.checkPin(bob.id, '2468', policy, t0), 'locked');
      const later = new Date(t0.getTime() + 61_000);
      assert.equal(await directory.checkPin(bob.id, '1111', policy, later), 'wrong');
      assert.deepEqual(await subscribers.pinLockout(bob.id), { failures: 1, lockedUntil: null });
      assert.equal(await directory.checkPin(bob.id, '2468', policy, later), 'ok');
      assert.deepEqual(await subscribers.pinLockout(bob.id), { failures: 0, lockedUntil: null });
    });

    test('ingest stores message and parts, lists, reads, moves and counts folders', async () => {
      const result = await intake.ingest(
        {
          type: 'email',
          from: 'tel:+15550001',
          to: ['sip:bob@example.test'],
          subject: 'Quarterly figures',
          senderId: ann.id,
        },
        [
          {
            contentType: 'text/plain; charset=utf-8',
            content: Buffer.from('the pelican report is attached'),
          },
          {
            contentType: 'application/pdf',
            filename: 'r.pdf',
            disposition: 'attachment',
            content: Buffer.alloc(300, 7),
          },
        ],
      );
      assert.equal(result.copies.length, 2, 'one copy for Bob, one in Ann’s sent folder');
      const bobCopy = result.copies.find((c) => c.mailboxId === bob.id)!;
      const listed = await mailbox.list(bob.id, { folder: 'inbox' });
      assert.equal(listed.length, 1);
      const m = listed[0]!;
      assert.equal(m.id, bobCopy.messageId);
      assert.equal(m.subject, 'Quarterly figures');
      assert.equal(m.read, false);
      assert.deepEqual(
        m.parts.map((p) => [p.index, p.contentType, p.size]),
        [
          [1, 'text/plain; charset=utf-8', 30],
          [2, 'application/pdf', 300],
        ],
      );
      const { content } = await mailbox.part(bob.id, m.id, 2);
      assert.deepEqual(content, Buffer.alloc(300, 7));
      assert.ok(
        (await mailbox.get(bob.id, m.id)).accessedAt !== null,
        'reading marks the message accessed',
      );
      assert.deepEqual(await messages.waitingCounts(bob.id), [
        { type: 'email', read: false, urgent: false, count: 1 },
      ]);
      const moved = await mailbox.update(bob.id, m.id, { folder: 'saved', read: true });
      assert.deepEqual(await messages.waitingCounts(bob.id), [], 'only the inbox counts');
      assert.equal(moved.folder, 'saved');
      const counts = await mailbox.folders(bob.id);
      assert.deepEqual(
        counts.find((c) => c.folder === 'saved'),
        { folder: 'saved', total: 1, unread: 0 },
      );
      assert.equal((await mailbox.list(ann.id, { folder: 'sent' })).length, 1);
      assert.equal((await subscribers.get(bob.id))!.usedBytes, m.size, 'usage is charged');
    });

    test('a mailbox is sealed off: another mailbox id sees nothing', async () => {
      const [m] = await mailbox.list(bob.id, {});
      assert.equal(await messages.get(ann.id, m!.id), null);
      await refusedWith('not-found', mailbox.part(ann.id, m!.id, 1));
      assert.equal(await messages.purge(ann.id, m!.id), false);
    });

    test('full-text search over subject and text, per mailbox', async () => {
      assert.equal((await mailbox.list(bob.id, { q: 'pelican' })).length, 1, 'a word of the text');
      assert.equal(
        (await mailbox.list(bob.id, { q: 'QUARTERLY' })).length,
        1,
        'a word of the subject, any case',
      );
      assert.equal(
        (await mailbox.list(bob.id, { q: 'pelican figures' })).length,
        1,
        'all words must match',
      );
      assert.equal((await mailbox.list(bob.id, { q: 'pelican zebra' })).length, 0);
      assert.equal(
        (await mailbox.list(bob.id, { q: '"; DROP TABLE messages; --' })).length,
        0,
        'query syntax is not interpreted',
      );
      assert.equal(
        (await mailbox.list(ann.id, { q: 'pelican', folder: 'inbox' })).length,
        0,
        'other mailboxes do not match',
      );
    });

    test('a full mailbox refuses, its neighbour in the same group commit succeeds', async () => {
      const big = Buffer.alloc(1900, 1);
      const results = await Promise.allSettled([
        intake.ingest({ type: 'text', from: 'tel:+15550001', to: ['sip:bob@example.test'] }, [
          { contentType: 'application/octet-stream', content: big },
        ]),
        intake.ingest({ type: 'text', from: 'sip:bob@example.test', to: ['tel:+15550001'] }, [
          { contentType: 'text/plain', content: Buffer.from('hi') },
        ]),
      ]);
      assert.equal(results[0].status, 'rejected');
      assert.ok(isSwitchboardError((results[0] as PromiseRejectedResult).reason));
      assert.equal(
        ((results[0] as PromiseRejectedResult).reason as { kind: string }).kind,
        'quota-exceeded',
      );
      assert.equal(results[1].status, 'fulfilled');
      assert.equal(
        (await mailbox.list(bob.id, {})).length,
        1,
        'nothing of the refused message was written',
      );
      const afterPurge = await mailbox.list(bob.id, {});
      await mailbox.delete(bob.id, afterPurge[0]!.id, true);
      assert.equal((await subscribers.get(bob.id))!.usedBytes, 0, 'purging gives the space back');
    });

    test('dynamic mailbox: an unknown owned address gets a mailbox once, with the default profile', async () => {
      const first = await intake.ingest(
        { type: 'voice', from: 'tel:+4930123', to: ['tel:+15559999'] },
        [{ contentType: 'audio/wav', content: Buffer.alloc(100, 3) }],
      );
      assert.equal(first.copies[0]!.createdMailbox, true);
      const created = await directory.findByAddress('tel:+15559999');
      assert.ok(created?.dynamic);
      assert.equal(created.quotaBytes, 1_000_000);
      const twice = await Promise.all(
        ['a', 'b', 'c'].map((t) =>
          intake.ingest({ type: 'text', from: 'tel:+4930123', to: ['mailto:new@example.test'] }, [
            { contentType: 'text/plain', content: Buffer.from(t) },
          ]),
        ),
      );
      const owners = new Set(twice.map((r) => r.copies[0]!.mailboxId));
      assert.equal(owners.size, 1, 'concurrent first messages create one mailbox');
      assert.equal((await mailbox.list([...owners][0]!, {})).length, 3);
      const closed = new Directory(subscribers, subscribers, {
        ownership: { domains: ['example.test'], numberRanges: ['+1555'] },
        dynamicMailboxes: false,
        defaultProfile: PROFILE,
        sessionTtlHours: 1,
      });
      await refusedWith('no-mailbox', closed.resolve('tel:+15551234'));
      assert.equal(
        (await closed.resolve('tel:+4930999')).kind,
        'external',
        'an address outside the owned ranges is external',
      );
    });

    test('idempotency: the same key from the same sender gives the first result, not a second message', async () => {
      const envelope = {
        type: 'text' as const,
        from: 'tel:+15550001',
        to: ['sip:bob@example.test'],
        senderId: ann.id,
        idempotencyKey: 'k-42',
      };
      const part = [{ contentType: 'text/plain', content: Buffer.from('once') }];
      const first = await intake.ingest(envelope, part);
      const again = await intake.ingest(envelope, part);
      assert.equal(first.replayed, false);
      assert.equal(again.replayed, true);
      assert.deepEqual(
        again.copies.map((c) => c.messageId).sort(),
        first.copies.map((c) => c.messageId).sort(),
      );
      assert.equal((await mailbox.list(bob.id, { q: 'once' })).length, 1);
    });

    test('external recipients become pending deliveries; no open relay without a sender', async () => {
      const r = await intake.ingest(
        {
          type: 'email',
          from: 'tel:+15550001',
          to: ['mailto:carol@elsewhere.test'],
          senderId: ann.id,
        },
        [{ contentType: 'text/plain', content: Buffer.from('out') }],
      );
      assert.equal(r.deliveries.length, 1);
      const listed = await messages.listDeliveries({ status: 'P', limit: 10 });
      assert.ok(
        listed.some(
          (d) => d.id === r.deliveries[0]!.id && d.recipient === 'mailto:carol@elsewhere.test',
        ),
      );
      await refusedWith(
        'forbidden',
        intake.ingest(
          { type: 'email', from: 'mailto:x@elsewhere.test', to: ['mailto:carol@elsewhere.test'] },
          [],
        ),
      );
    });

    test('trash and restore; paging with before', async () => {
      for (let i = 0; i < 5; i++)
        await intake.ingest(
          {
            type: 'sms',
            from: 'tel:+4930111',
            to: ['mailto:ann@example.test'],
            subject: `page ${i}`,
          },
          [],
        );
      const page1 = await mailbox.list(ann.id, { type: 'sms', limit: 2 });
      const page2 = await mailbox.list(ann.id, { type: 'sms', limit: 2, before: page1.at(-1)!.id });
      assert.deepEqual(
        [...page1, ...page2].map((m) => m.subject),
        ['page 4', 'page 3', 'page 2', 'page 1'],
      );
      const victim = page1[0]!;
      assert.equal(await mailbox.delete(ann.id, victim.id), 'trashed');
      assert.equal((await mailbox.get(ann.id, victim.id)).folder, 'trash');
      assert.equal((await mailbox.restore(ann.id, victim.id)).folder, 'inbox');
      assert.equal(
        (await mailbox.list(ann.id, { unread: true, type: 'sms' })).length,
        5,
        'opening marks accessed, not read',
      );
    });

    test('blobs: content-addressed, encrypted at rest, tamper-evident, readable after key rotation', async () => {
      const secret = Buffer.from('TOP-SECRET-PLAINTEXT '.repeat(20));
      const small = Buffer.from('tiny');
      const a = await blobs.put(secret);
      const b = await blobs.put(secret);
      assert.equal(a.sha256, b.sha256, 'the same bytes are one blob');
      await blobs.put(small);
      assert.deepEqual(await blobs.get(a.sha256), secret);
      assert.deepEqual(await blobs.get((await blobs.put(small)).sha256), small);
      const files = filesUnder(join(dataDir, 'blobs'));
      assert.ok(
        files.some((f) => f.endsWith(a.sha256)),
        'large blobs are files named by their sha256',
      );
      for (const f of files)
        assert.ok(!readFileSync(f).includes('TOP-SECRET'), `${f} holds no plaintext`);
      const rows = await handle.db.selectFrom('blobs').select(['data', 'key_id']).execute();
      for (const r of rows)
        if (r.data) assert.ok(!Buffer.from(r.data).includes('tiny'), 'inline blobs are sealed too');

      const rotated = new BlobVault(
        handle.db,
        join(dataDir, 'blobs'),
        new KeyRing(
          [
            { id: 'k1', key: key(1) },
            { id: 'k2', key: key(2) },
          ],
          'k2',
        ),
        64,
      );
      assert.deepEqual(
        await rotated.get(a.sha256),
        secret,
        'old blobs stay readable with the old key listed',
      );
      const fresh = await rotated.put(Buffer.from('sealed with the new key '.repeat(10)));
      assert.equal(
        (
          await handle.db
            .selectFrom('blobs')
            .select('key_id')
            .where('sha256', '=', fresh.sha256)
            .executeTakeFirstOrThrow()
        ).key_id,
        'k2',
      );

      const file = files.find((f) => f.endsWith(a.sha256))!;
      const bytes = readFileSync(file);
      bytes[bytes.length - 5]! ^= 0xff;
      writeFileSync(file, bytes);
      await assert.rejects(blobs.get(a.sha256), 'a changed file is detected, not served');
    });

    test('the database answers a ping and has a full-text index of its dialect', async () => {
      await messages.ping();
      if (handle.dialect === 'sqlite') {
        const { rows } = await sql<{
          sql: string;
        }>`SELECT sql FROM sqlite_master WHERE name = 'message_search'`.execute(handle.db);
        assert.match(rows[0]!.sql, /fts5/i);
        const { rows: mode } = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(
          handle.db,
        );
        assert.equal(mode[0]!.journal_mode, 'wal');
        const { rows: sync } = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(
          handle.db,
        );
        assert.equal(sync[0]!.synchronous, 2, 'synchronous=FULL');
      } else {
        const { rows } = await sql<{
          indexdef: string;
        }>`SELECT indexdef FROM pg_indexes WHERE tablename = 'message_search'`.execute(handle.db);
        assert.ok(
          rows.some((r) => /gin/i.test(r.indexdef)),
          'a GIN index over the tsvector',
        );
      }
    });
    test('SMS conversations: grouped by the other party, newest first, with unread counts and the thread', async () => {
      const conversations = new ConversationRepository(handle.reader, handle.dialect);
      const cara = await directory.add({ name: 'Cara', addresses: ['tel:+15550077'] });
      const sms = (from: string, to: string, text: string, senderId?: string) =>
        intake.ingest({ type: 'sms', from, to: [to], ...(senderId ? { senderId } : {}) }, [
          { contentType: 'text/plain; charset=utf-8', content: Buffer.from(text) },
        ]);
      await sms('tel:+4930111', 'tel:+15550077', 'one from 111');
      await sms('tel:+4930222', 'tel:+15550077', 'one from 222');
      await sms('tel:+4930111', 'tel:+15550077', 'two from 111');
      await sms('tel:+15550077', 'tel:+4930222', 'answer to 222', cara.id);
      const list = await conversations.conversations(cara.id, 'sms', 10);
      assert.deepEqual(
        list.map((c) => [c.party, c.lastDirection, c.total, c.unread]),
        [
          ['tel:+4930222', 'out', 2, 1],
          ['tel:+4930111', 'in', 2, 2],
        ],
      );
      assert.ok(list.every((c) => c.textSha256 && typeof c.total === 'number'));
      const thread = await conversations.thread(cara.id, 'sms', 'tel:+4930222', { limit: 10 });
      assert.deepEqual(
        thread.map((t) => t.direction),
        ['out', 'in'],
      );
      const dan = await directory.add({ name: 'Dan', addresses: ['tel:+15550078'] });
      assert.deepEqual(await conversations.conversations(dan.id, 'sms', 10), [], 'only one’s own');
    });
    test('retention: messages past their expiry or their mailbox’s retention are due for purging', async () => {
      const now = new Date();
      const days = (n: number) => new Date(now.getTime() - n * 86_400_000).toISOString();
      const eve = await directory.add({
        name: 'Eve',
        addresses: ['tel:+15550079'],
        retentionDays: 7,
      });
      const text = (createdAt: string, expiresAt?: string) =>
        intake.ingest(
          { type: 'text', from: 'tel:+4930111', to: ['tel:+15550079'], createdAt, expiresAt },
          [{ contentType: 'text/plain', content: Buffer.from('x') }],
        );
      const old = (await text(days(8))).copies[0]!.messageId;
      const fresh = (await text(days(1))).copies[0]!.messageId;
      const ending = (await text(days(1), days(0.01))).copies[0]!.messageId;
      const due = await messages.expired(now.toISOString(), 100);
      const mine = due.filter((d) => d.mailboxId === eve.id).map((d) => d.id);
      assert.deepEqual(mine, [old, ending], 'oldest first; the fresh one stays');
      assert.ok(!mine.includes(fresh));
      assert.equal(await messages.purge(eve.id, old), true);
      assert.equal(await messages.purge(eve.id, old), false, 'purging twice is harmless');
      assert.equal(await messages.get(eve.id, old), null, 'gone');
      assert.ok(await messages.get(eve.id, fresh));
    });
  });
}
