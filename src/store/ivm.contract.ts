import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newId } from '../lib/ids.js';
import { migrate, openDatabase, type DatabaseHandle } from './database.js';
import { IvmRepository } from './ivm-repository.js';
import { SubscriberRepository } from './subscriber-repository.js';

const PROFILE = { language: 'en', timeZone: 'UTC', currency: 'USD' };
const NOW = '2026-03-01T10:00:00.000Z';

/**
 * The voice messenger store's contract, passed by SQLite and PostgreSQL alike: contact requests
 * become accepted on both sides, device cursors only move forward, a post is recorded once,
 * delivered and played are set once, and receipts are kept once per state.
 */
export function ivmContract(name: string, prepare: () => Promise<string | null>): void {
  describe(`voice messenger store contract: ${name}`, () => {
    let dataDir: string;
    let handle: DatabaseHandle;
    let store: IvmRepository;
    let subscribers: SubscriberRepository;
    let ann: string;
    let bob: string;
    let cat: string;

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'switchboard-ivm-contract-'));
      handle = openDatabase({ url: await prepare(), dataDir });
      await migrate(handle);
      store = new IvmRepository(handle.db, handle.reader);
      subscribers = new SubscriberRepository(handle.db, handle.reader);
      const add = async (who: string) =>
        (await subscribers.create({ name: who, addresses: [`mailto:${who}@a.test`], ...PROFILE }))
          .id;
      ann = await add('ann');
      bob = await add('bob');
      cat = await add('cat');
    });
    after(async () => {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function message(mailbox: string): Promise<string> {
      const id = newId();
      await handle.db
        .insertInto('messages')
        .values({
          id,
          mailbox_id: mailbox,
          type: 'ivm',
          folder: 'inbox',
          previous_folder: null,
          from_address: 'ivm:ann@a.test',
          to_addresses: '[]',
          subject: null,
          is_read: 0,
          urgent: 0,
          created_at: NOW,
          accessed_at: null,
          expires_at: null,
          size: 10,
          duration_ms: 1000,
          pages: null,
          auth_results: null,
          search_rowid: null,
        })
        .execute();
      return id;
    }

    test('a request is requested on one side and incoming on the other; asked back, both accept', async () => {
      assert.equal(await store.requestContact(ann, bob, NOW), 'requested');
      assert.equal(await store.contactState(ann, bob), 'requested');
      assert.equal(await store.contactState(bob, ann), 'incoming');
      assert.equal(
        await store.requestContact(ann, bob, NOW),
        'requested',
        'asking twice changes nothing',
      );
      assert.equal(await store.requestContact(bob, ann, NOW), 'accepted');
      assert.equal(await store.contactState(ann, bob), 'accepted');
      assert.deepEqual(
        (await store.contacts(bob)).map((c) => [c.contactId, c.state]),
        [[ann, 'accepted']],
      );
      assert.equal(
        await store.requestContact(ann, bob, NOW),
        'accepted',
        'accepted stays accepted',
      );
    });

    test('removing a contact removes both sides; removing nothing says so', async () => {
      await store.requestContact(ann, cat, NOW);
      assert.equal(await store.removeContact(cat, ann), true);
      assert.equal(await store.contactState(ann, cat), null);
      assert.equal(await store.contactState(cat, ann), null);
      assert.equal(await store.removeContact(cat, ann), false);
    });

    test('groups are replaced whole and deleted when empty; settings default to contacts only', async () => {
      await store.setGroup(ann, 'team', [bob, cat, bob], NOW);
      await store.setGroup(ann, 'team', [bob], NOW);
      assert.deepEqual(await store.groups(ann), [{ name: 'team', members: [bob] }]);
      await store.setGroup(ann, 'team', [], NOW);
      assert.deepEqual(await store.groups(ann), []);
      assert.equal(await store.allowAnyone(ann), false);
      await store.setAllowAnyone(ann, true, NOW);
      assert.equal(await store.allowAnyone(ann), true);
      await store.setAllowAnyone(ann, false, NOW);
      assert.equal(await store.allowAnyone(ann), false);
    });

    test('a device cursor only moves forward', async () => {
      assert.equal(await store.device(bob, 'phone'), null);
      await store.advanceDevice(bob, 'phone', { cursor: '0002' }, NOW);
      await store.advanceDevice(bob, 'phone', { cursor: '0001', receiptCursor: 'r1' }, NOW);
      assert.deepEqual(await store.device(bob, 'phone'), { cursor: '0002', receiptCursor: 'r1' });
      await store.advanceDevice(bob, 'phone', { cursor: '0003' }, NOW);
      assert.deepEqual(await store.device(bob, 'phone'), { cursor: '0003', receiptCursor: 'r1' });
    });

    test('a post is recorded once; its copies wait until delivered, then only newer ones come', async () => {
      const first = await message(bob);
      const second = await message(bob);
      const post = { messages: { 'ivm:bob@a.test': first }, durationMs: 1200 };
      const copy = {
        messageId: first,
        mailboxId: bob,
        senderId: ann,
        clientId: 'c-1',
        recipient: 'ivm:bob@a.test',
        waveform: [0.1, 0.5],
      };
      await store.recordPost(ann, 'c-1', post, [copy], NOW);
      await store.recordPost(ann, 'c-1', { messages: {}, durationMs: 1 }, [copy], NOW);
      assert.deepEqual(await store.post(ann, 'c-1'), post, 'the first record stands');
      assert.equal(await store.post(ann, 'c-2'), null);
      await store.recordPost(
        ann,
        'c-2',
        post,
        [{ ...copy, messageId: second, clientId: 'c-2' }],
        NOW,
      );
      assert.deepEqual((await store.copy(first))?.waveform, [0.1, 0.5]);
      await store.setWaveform([first, second], [0.3, 0.9, 0.2]);
      await store.setWaveform([], [1]);
      assert.deepEqual((await store.copy(first))?.waveform, [0.3, 0.9, 0.2], 'treated: redrawn');
      assert.deepEqual((await store.copy(second))?.waveform, [0.3, 0.9, 0.2]);
      assert.deepEqual(
        (await store.waiting(bob, null, 10)).map((c) => c.messageId),
        [first, second],
        'a new device gets the unplayed ones, oldest first',
      );
      assert.deepEqual(
        (await store.waiting(bob, first, 10)).map((c) => c.messageId),
        [second],
      );
      assert.equal(await store.markDelivered(first, NOW), true);
      assert.equal(await store.markDelivered(first, NOW), false, 'delivered once');
      assert.equal(await store.markPlayed(second, NOW), true);
      assert.equal(await store.markPlayed(second, NOW), false, 'played once');
      assert.equal((await store.copy(second))?.deliveredAt, NOW, 'played implies delivered');
      assert.deepEqual(
        (await store.waiting(bob, null, 10)).map((c) => c.messageId),
        [first],
      );
      await handle.db.deleteFrom('messages').where('id', '=', first).execute();
      assert.equal(await store.copy(first), null, 'a copy goes with its message');
    });

    test('receipts are kept once per recipient and state, and read after a cursor', async () => {
      const r = (state: 'delivered' | 'played') => ({
        id: newId(),
        senderId: ann,
        clientId: 'c-9',
        recipient: 'ivm:bob@a.test',
        state,
        at: NOW,
      });
      const delivered = r('delivered');
      await store.addReceipt(delivered);
      await store.addReceipt(r('delivered'));
      const played = r('played');
      await store.addReceipt(played);
      assert.deepEqual(
        (await store.receipts(ann, null, 10)).map((x) => x.state),
        ['delivered', 'played'],
      );
      assert.deepEqual(
        (await store.receipts(ann, delivered.id, 10)).map((x) => x.id),
        [played.id],
      );
      assert.equal(await store.latestReceiptId(ann), played.id);
      assert.equal(await store.latestReceiptId(bob), null);
    });
  });
}
