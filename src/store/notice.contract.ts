import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newId } from '../lib/ids.js';
import { migrate, openDatabase, type DatabaseHandle } from './database.js';
import { NoticeRepository } from './notice-repository.js';
import { SubscriberRepository } from './subscriber-repository.js';

const PROFILE = { language: 'en', timeZone: 'UTC', currency: 'USD' };
const T0 = '2026-03-01T10:00:00.000Z';
const later = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

/**
 * The notice store's contract, passed by SQLite and PostgreSQL alike: one node holds the lease,
 * each activation, crossing and expiry episode is told once, and a digest's entries go into one
 * delivery only.
 */
export function noticeContract(name: string, prepare: () => Promise<string | null>): void {
  describe(`notice store contract: ${name}`, () => {
    let dataDir: string;
    let handle: DatabaseHandle;
    let store: NoticeRepository;
    let subscribers: SubscriberRepository;

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'switchboard-notice-contract-'));
      handle = openDatabase({ url: await prepare(), dataDir });
      await migrate(handle);
      store = new NoticeRepository(handle.db);
      subscribers = new SubscriberRepository(handle.db, handle.reader);
    });
    after(async () => {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function message(
      mailbox: string,
      fields: { createdAt?: string; expiresAt?: string | null; read?: boolean } = {},
    ): Promise<string> {
      const id = newId();
      await handle.db
        .insertInto('messages')
        .values({
          id,
          mailbox_id: mailbox,
          type: 'voice',
          folder: 'inbox',
          previous_folder: null,
          from_address: 'tel:+15559999',
          to_addresses: '[]',
          subject: `m ${id.slice(-4)}`,
          is_read: fields.read ? 1 : 0,
          urgent: 0,
          created_at: fields.createdAt ?? T0,
          accessed_at: null,
          expires_at: fields.expiresAt ?? null,
          size: 10,
          duration_ms: 4000,
          pages: null,
          auth_results: null,
          search_rowid: null,
        })
        .execute();
      return id;
    }

    test('one node at a time holds the lease; it is free again once it runs out', async () => {
      assert.equal(await store.lease('notices', 'a', T0, later(1)), true);
      assert.equal(await store.lease('notices', 'b', T0, later(1)), false);
      assert.equal(await store.lease('notices', 'a', later(0.5), later(2)), true, 'renewed');
      assert.equal(await store.lease('notices', 'b', later(1.5), later(3)), false);
      assert.equal(await store.lease('notices', 'b', later(2), later(3)), true, 'taken over');
      assert.equal(await store.lease('notices', 'a', later(2), later(3)), false);
    });

    test('an activation is welcomed once; deactivated and active again, it is welcomed again', async () => {
      const ann = await subscribers.create({
        ...PROFILE,
        name: 'Ann',
        addresses: ['tel:+1555001'],
      });
      const off = await subscribers.create({
        ...PROFILE,
        name: 'Off',
        addresses: ['tel:+1555002'],
        status: 'inactive',
      });
      await store.trackActivations(T0);
      assert.ok(
        !(await store.welcomesDue(later(-1), 10)).some((d) => d.subscriberId === ann.id),
        'not before it settled',
      );
      const due = await store.welcomesDue(later(10), 10);
      assert.deepEqual(
        due.filter((d) => [ann.id, off.id].includes(d.subscriberId)),
        [{ subscriberId: ann.id, since: T0 }],
      );
      await store.markSent('welcome', ann.id, T0, T0);
      await store.trackActivations(later(1));
      assert.ok(!(await store.welcomesDue(later(10), 10)).some((d) => d.subscriberId === ann.id));

      await subscribers.update(ann.id, { status: 'inactive' });
      await store.trackActivations(later(2));
      await subscribers.update(ann.id, { status: 'active' });
      await store.trackActivations(later(3));
      assert.deepEqual(
        (await store.welcomesDue(later(10), 10)).filter((d) => d.subscriberId === ann.id),
        [{ subscriberId: ann.id, since: later(3) }],
      );
      // A mark for an old episode changes nothing.
      await store.markSent('welcome', ann.id, T0, later(4));
      assert.ok((await store.welcomesDue(later(10), 10)).some((d) => d.subscriberId === ann.id));
    });

    test('the notice channels a welcomed subscriber was told about are kept, unknown until first set', async () => {
      const sam = await subscribers.create({
        ...PROFILE,
        name: 'Sam',
        addresses: ['tel:+1555009'],
      });
      await store.trackActivations(T0);
      const mine = async () =>
        (await store.servicesKnown('', 1000)).filter((k) => k.subscriberId === sam.id);
      assert.deepEqual(await mine(), [], 'not before the welcome');
      await store.markSent('welcome', sam.id, T0, T0);
      assert.deepEqual(await mine(), [{ subscriberId: sam.id, channels: null }]);
      await store.setServicesKnown(sam.id, ['webhook', 'sms']);
      assert.deepEqual(await mine(), [{ subscriberId: sam.id, channels: ['sms', 'webhook'] }]);
      const after = await store.servicesKnown(sam.id, 1000);
      assert.ok(!after.some((k) => k.subscriberId === sam.id), 'paged by id');
    });

    test('a PIN reminder is due after the wait, only without a PIN, once', async () => {
      const bea = await subscribers.create({
        ...PROFILE,
        name: 'Bea',
        addresses: ['tel:+1555003'],
      });
      const cid = await subscribers.create({
        ...PROFILE,
        name: 'Cid',
        addresses: ['tel:+1555004'],
      });
      await subscribers.setCredentials(cid.id, { pinHash: 'x' });
      await store.trackActivations(T0);
      const ids = async (before: string) =>
        (await store.pinRemindersDue(before, 100)).map((d) => d.subscriberId);
      assert.ok(!(await ids(later(-1))).includes(bea.id), 'not before the wait');
      assert.ok((await ids(T0)).includes(bea.id));
      assert.ok(!(await ids(T0)).includes(cid.id), 'has a PIN');
      await store.markSent('pin-reminder', bea.id, T0, later(1));
      assert.ok(!(await ids(later(10))).includes(bea.id), 'reminded once');
    });

    test('nearly full: told once per crossing of the share, again after going under it', async () => {
      const dan = await subscribers.create({
        ...PROFILE,
        name: 'Dan',
        addresses: ['tel:+1555005'],
        quotaBytes: 1000,
      });
      await store.trackActivations(T0);
      const use = (bytes: number) =>
        handle.db
          .updateTable('subscribers')
          .set({ used_bytes: bytes })
          .where('id', '=', dan.id)
          .execute();
      const dueFor = async () =>
        (await store.nearlyFullDue(100)).filter((d) => d.subscriberId === dan.id);
      await use(899);
      await store.trackFullness(90, T0);
      assert.deepEqual(await dueFor(), []);
      await use(900);
      await store.trackFullness(90, later(1));
      assert.deepEqual(await dueFor(), [{ subscriberId: dan.id, since: later(1) }]);
      await store.markSent('nearly-full', dan.id, later(1), later(1));
      await use(950);
      await store.trackFullness(90, later(2));
      assert.deepEqual(await dueFor(), [], 'still over: the same crossing');
      await use(100);
      await store.trackFullness(90, later(3));
      await use(990);
      await store.trackFullness(90, later(4));
      assert.deepEqual(await dueFor(), [{ subscriberId: dan.id, since: later(4) }]);
    });

    test('expiry: messages going within the horizon by retention or by their own expiry, told at most once per interval', async () => {
      const eve = await subscribers.create({
        ...PROFILE,
        name: 'Eve',
        addresses: ['tel:+1555006'],
        retentionDays: 10,
      });
      const fay = await subscribers.create({
        ...PROFILE,
        name: 'Fay',
        addresses: ['tel:+1555007'],
      });
      await store.trackActivations(T0);
      const day = 86_400_000;
      const now = Date.parse(T0);
      const old = await message(eve.id, { createdAt: new Date(now - 8 * day).toISOString() });
      await message(eve.id, { createdAt: new Date(now - 1 * day).toISOString() });
      const expiring = await message(fay.id, { expiresAt: new Date(now + 2 * day).toISOString() });
      await message(fay.id, { expiresAt: new Date(now + 20 * day).toISOString() });
      const horizon = new Date(now + 3 * day).toISOString();
      const due = await store.expiringDue(horizon, new Date(now - day).toISOString(), 100);
      assert.deepEqual(due.map((d) => d.subscriberId).sort(), [eve.id, fay.id].sort());
      assert.ok(
        due.every((d) => d.since === ''),
        'never told',
      );
      const eves = await store.expiringMessages(eve.id, horizon, 100);
      assert.deepEqual(
        eves.map((m) => [m.id, m.expiresAt]),
        [[old, new Date(now + 2 * day).toISOString()]],
      );
      assert.deepEqual(
        (await store.expiringMessages(fay.id, horizon, 100)).map((m) => m.id),
        [expiring],
      );
      await store.markSent('expiring', eve.id, '', T0);
      const again = await store.expiringDue(horizon, new Date(now - day).toISOString(), 100);
      assert.deepEqual(
        again.map((d) => d.subscriberId),
        [fay.id],
        'Eve was told within the day',
      );
      const nextDay = await store.expiringDue(horizon, new Date(now + 1).toISOString(), 100);
      assert.deepEqual(
        nextDay.find((d) => d.subscriberId === eve.id),
        { subscriberId: eve.id, since: T0 },
      );
    });

    test('a due digest is taken once, lists unread messages only, and queues one delivery', async () => {
      const gil = await subscribers.create({
        ...PROFILE,
        name: 'Gil',
        addresses: ['tel:+1555008'],
      });
      const first = await message(gil.id, { createdAt: T0 });
      const second = await message(gil.id, { createdAt: later(1) });
      const read = await message(gil.id, { createdAt: later(2), read: true });
      const entry = (messageId: string, due: string) => ({
        id: newId(),
        subscriber_id: gil.id,
        channel: 'webhook',
        recipient: 'tel:+1555008',
        message_id: messageId,
        due_at: due,
        created_at: T0,
      });
      await handle.db
        .insertInto('notice_digest_entries')
        .values([entry(first, later(60)), entry(second, later(61)), entry(read, later(62))])
        .execute();
      assert.deepEqual(await store.digestsDue(later(59), 10), []);
      const groups = await store.digestsDue(later(60), 10);
      assert.deepEqual(groups, [
        { subscriberId: gil.id, channel: 'webhook', recipient: 'tel:+1555008' },
      ]);
      let listed: string[] = [];
      const delivery = await store.takeDigest(groups[0]!, later(60), 10, (messages, more) => {
        listed = messages.map((m) => m.id);
        assert.equal(more, 0);
        return {
          id: newId(),
          recipient: 'tel:+1555008',
          priority: 'normal',
          kind: 'notification',
          messageId: messages[messages.length - 1]!.id,
          subscriberId: gil.id,
          messageType: 'voice',
          channel: 'webhook',
          scheduledAt: null,
          expiresAt: null,
          receipt: false,
          payload: { notice: 'digest' },
        };
      });
      assert.deepEqual(listed, [first, second], 'oldest first; the read one is left out');
      const rows = await handle.db
        .selectFrom('deliveries')
        .select(['id', 'message_id', 'kind', 'status'])
        .where('id', '=', delivery!.id)
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.message_id, r.kind]),
        [[second, 'notification']],
      );
      assert.equal(
        await store.takeDigest(groups[0]!, later(61), 10, () => assert.fail('nothing left')),
        null,
      );
      assert.deepEqual(await store.digestsDue(later(120), 10), []);
    });
  });
}
