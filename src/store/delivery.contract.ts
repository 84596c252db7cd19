import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBus } from '../cluster/local-bus.js';
import type { Delivery } from '../core/delivery.js';
import type { Subscriber } from '../core/subscriber.js';
import { Directory } from '../directory/directory.js';
import { Intake } from '../intake/intake.js';
import { BlobVault } from './blobs/blob-vault.js';
import { KeyRing } from './blobs/key-ring.js';
import { newId } from '../lib/ids.js';
import { migrate, openDatabase, type DatabaseHandle } from './database.js';
import { DeliveryRepository } from './delivery-repository.js';
import { MessageRepository } from './message-repository.js';
import { SmsRepository } from './sms-repository.js';
import { SubscriberRepository } from './subscriber-repository.js';

const PROFILE = {
  language: 'en',
  timeZone: 'UTC',
  currency: 'USD',
  quotaBytes: null,
  quotaMessages: null,
  retentionDays: null,
};
const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms).toISOString();

/**
 * The delivery queue's store contract, passed by SQLite and PostgreSQL alike: claims in priority
 * order, leases that keep owners apart and expire, settling, expiry, holds, resources and CDRs.
 */
export function deliveryContract(name: string, prepare: () => Promise<string | null>): void {
  describe(`delivery store contract: ${name}`, () => {
    let dataDir: string;
    let handle: DatabaseHandle;
    let queue: DeliveryRepository;
    let intake: Intake;
    let ann: Subscriber;

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'switchboard-queue-contract-'));
      handle = openDatabase({ url: await prepare(), dataDir });
      await migrate(handle);
      const subscribers = new SubscriberRepository(handle.db, handle.reader);
      const messages = new MessageRepository(handle.db, handle.dialect, handle.reader);
      const blobs = new BlobVault(
        handle.db,
        join(dataDir, 'blobs'),
        new KeyRing([{ id: 'k', key: Buffer.alloc(32, 3) }], 'k'),
        4096,
      );
      const directory = new Directory(subscribers, subscribers, {
        ownership: { domains: ['example.test'], numberRanges: ['+1555'] },
        dynamicMailboxes: false,
        defaultProfile: PROFILE,
        sessionTtlHours: 1,
      });
      intake = new Intake(directory, messages, blobs, new LocalBus(), {
        maxMessageBytes: 100_000,
        maxRecipients: 10,
        maxParts: 5,
      });
      queue = new DeliveryRepository(
        handle.db,
        handle.dialect,
        {
          seal: (s) => `sealed:${Buffer.from(s).toString('hex')}`,
          open: (s) => Buffer.from(s.slice(7), 'hex').toString(),
        },
        handle.reader,
      );
      ann = await directory.add({ name: 'Ann', addresses: ['tel:+15550001'] });
    });
    after(async () => {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function enqueue(
      to: string[],
      fields: {
        priority?: 'low' | 'normal' | 'high';
        scheduledAt?: string;
        expiresAt?: string;
      } = {},
    ): Promise<string[]> {
      const r = await intake.ingest(
        { type: 'text', from: 'tel:+15550001', to, senderId: ann.id, ...fields },
        [{ contentType: 'text/plain', content: Buffer.from('x') }],
      );
      return r.deliveries.map((d) => d.id);
    }
    const now = new Date().toISOString();
    const soon = new Date(Date.now() + 60_000).toISOString();

    test('claims go by priority, then age; a lease keeps others off; settling needs the lease', async () => {
      const [low] = await enqueue(['tel:+4930001'], { priority: 'low' });
      const [normal] = await enqueue(['tel:+4930002']);
      const [high] = await enqueue(['tel:+4930003'], { priority: 'high' });
      const [later] = await enqueue(['tel:+4930004'], { priority: 'high', scheduledAt: at(0) });
      const first = await queue.claim('node-1', 2, new Date().toISOString(), soon);
      assert.deepEqual(
        first.map((d) => d.id),
        [high, normal],
      );
      assert.ok(
        first.every((d) => d.status === 'X' && d.attempts === 1 && d.leaseOwner === 'node-1'),
      );
      const second = await queue.claim('node-2', 10, new Date().toISOString(), soon);
      assert.deepEqual(
        second.map((d) => d.id),
        [low],
        'a leased delivery is not claimed twice; a scheduled one waits',
      );
      assert.equal(
        await queue.settle(high!, 'node-2', { status: 'S' }),
        false,
        'only the lease owner settles',
      );
      assert.equal(await queue.settle(high!, 'node-1', { status: 'S', finishedAt: now }), true);
      assert.equal((await queue.get(high!))!.status, 'S');
      assert.equal((await queue.get(later!))!.status, 'P');
      for (const d of [normal!, low!])
        await queue.settle(d, d === low ? 'node-2' : 'node-1', { status: 'S' });
    });

    test('an expired lease makes the delivery due again for another process', async () => {
      const [id] = await enqueue(['tel:+4930010']);
      const past = new Date(Date.now() - 1000).toISOString();
      const [claimed] = await queue.claim('dead-node', 1, new Date().toISOString(), past);
      assert.equal(claimed!.id, id);
      const [again] = await queue.claim('live-node', 1, new Date().toISOString(), soon);
      assert.equal(again!.id, id);
      assert.equal(again!.attempts, 2);
      assert.equal(
        await queue.settle(id!, 'dead-node', { status: 'S' }),
        false,
        'the dead owner lost it',
      );
      assert.equal(
        await queue.settle(id!, 'live-node', {
          status: 'D',
          nextAttemptAt: soon,
          errorLog: [{ at: now, attempt: 2, resource: 'r', error: 'boom' }],
          lastError: 'boom',
        }),
        true,
      );
      const deferred = (await queue.get(id!))!;
      assert.equal(deferred.status, 'D');
      assert.deepEqual(
        deferred.errorLog.map((e) => e.error),
        ['boom'],
      );
      assert.equal(
        (await queue.claim('live-node', 5, new Date().toISOString(), soon)).filter(
          (d) => d.id === id,
        ).length,
        0,
        'deferred until its time',
      );
    });

    test('expiry, holds, release and retry', async () => {
      const [stale] = await enqueue(['tel:+4930020'], {
        expiresAt: new Date(Date.now() - 1).toISOString(),
        scheduledAt: soon,
      });
      const expired = await queue.expireDue(new Date().toISOString());
      assert.deepEqual(
        expired.map((d: Delivery) => [d.id, d.status]),
        [[stale, 'E']],
      );
      const [held] = await enqueue(['tel:+4930021'], { scheduledAt: soon });
      assert.equal((await queue.hold(held!, 'no-resource'))!.status, 'H');
      assert.equal(await queue.releaseHeld('operator', now), 0, 'only holds of that reason');
      assert.equal(await queue.releaseHeld('no-resource', now), 1);
      assert.equal((await queue.get(held!))!.status, 'R');
      assert.equal(
        (await queue.retry(stale!, now))!.status,
        'R',
        'an expired delivery can be retried by hand',
      );
      const counts = Object.fromEntries(
        (await queue.countByStatus()).map((c) => [c.status, c.count]),
      );
      assert.ok(counts.R! >= 2);
      const open = await queue.countOpenByResource();
      assert.ok(
        open.every((c) => !['S', 'F', 'E'].includes(c.status)),
        'finished deliveries are not queue depth',
      );
      assert.equal(
        open.filter((c) => c.status === 'R').reduce((n, c) => n + c.count, 0),
        counts.R,
      );
    });

    test('a late report notes itself in the log and fails only a delivery that was handed on', async () => {
      const entry = (error: string) => ({ at: now, resource: 'dsn', error });
      const [sent] = await enqueue(['tel:+4930030']);
      await queue.claim('node-1', 10, new Date().toISOString(), soon);
      await queue.settle(sent!, 'node-1', { status: 'S', finishedAt: now });

      const delayed = await queue.recordLateReport(sent!, entry('delayed: 4.4.1'), false);
      assert.equal(delayed!.failed, false);
      assert.equal(delayed!.delivery.status, 'S');
      const failed = await queue.recordLateReport(sent!, entry('failed: 5.1.1 unknown'), true);
      assert.equal(failed!.failed, true);
      const stored = (await queue.get(sent!))!;
      assert.equal(stored.status, 'F');
      assert.equal(stored.lastError, 'failed: 5.1.1 unknown');
      assert.ok(stored.finishedAt);
      assert.deepEqual(
        stored.errorLog.map((e) => [e.attempt, e.error]),
        [
          [1, 'delayed: 4.4.1'],
          [1, 'failed: 5.1.1 unknown'],
        ],
      );
      assert.deepEqual(failed!.delivery, stored, 'the answer is the stored delivery');

      const again = await queue.recordLateReport(sent!, entry('failed: twice'), true);
      assert.equal(again!.failed, false, 'a failed delivery is not failed twice');
      assert.equal((await queue.get(sent!))!.errorLog.length, 3);

      const [waiting] = await enqueue(['tel:+4930031'], { scheduledAt: soon });
      const early = await queue.recordLateReport(waiting!, entry('failed: too early'), true);
      assert.equal(early!.failed, false, 'not yet handed on: noted, not failed');
      assert.equal((await queue.get(waiting!))!.status, 'P');
      assert.equal(await queue.recordLateReport(newId(), entry('x'), true), null);
    });

    test('awaiting a receipt (A): confirmed as S, or tried again when it does not come, then failed', async () => {
      const [waiting, overdue] = await enqueue(['tel:+4930040', 'tel:+4930041']);
      await queue.claim('node-1', 10, new Date().toISOString(), soon);
      const later = new Date(Date.now() + 120_000).toISOString();
      await queue.settle(waiting!, 'node-1', { status: 'A', nextAttemptAt: later });
      await queue.settle(overdue!, 'node-1', { status: 'A', nextAttemptAt: now });
      assert.deepEqual(await queue.claim('node-2', 10, now, soon), [], 'A is not claimed');

      const confirmed = await queue.confirmDelivered(waiting!, now);
      assert.deepEqual([confirmed!.status, confirmed!.finishedAt], ['S', now]);
      assert.equal(await queue.confirmDelivered(waiting!, now), null, 'only once');

      const t = new Date(Date.now() + 1000).toISOString();
      assert.deepEqual(await queue.receiptsOverdue(t, 'no delivery receipt within 600 s'), []);
      const retried = (await queue.get(overdue!))!;
      assert.deepEqual(
        [retried.status, retried.lastError, retried.errorLog.at(-1)!.error],
        ['R', 'no delivery receipt within 600 s', 'no delivery receipt within 600 s'],
      );
      // The last attempt's receipt missing too: failed, and given back for the sender's receipt.
      const reclaimed = await queue.claim('node-1', 10, t, soon);
      assert.ok(reclaimed.some((d) => d.id === overdue));
      await queue.settle(overdue!, 'node-1', { status: 'A', nextAttemptAt: t, attempts: 99 });
      const failed = await queue.receiptsOverdue(t, 'no delivery receipt within 600 s');
      assert.deepEqual(
        failed.map((d) => [d.id, d.status]),
        [[overdue, 'F']],
      );
      assert.equal((await queue.get(overdue!))!.status, 'F');
    });

    test('SMS submissions match receipts by SMSC id in either base; notice codes name messages', async () => {
      const sms = new SmsRepository(handle.db, handle.reader);
      const [d] = await enqueue(['tel:+4930050']);
      await sms.recordSubmissions([
        { resourceId: 'r1', smscId: '00A1B2', deliveryId: d!, part: 1, parts: 2 },
        { resourceId: 'r1', smscId: '12345', deliveryId: d!, part: 2, parts: 2 },
      ]);
      assert.equal(
        await sms.markSubmission('r2', ['a1b2'], 'delivered', null),
        null,
        'per resource',
      );
      const one = await sms.markSubmission('r1', [String(0xa1b2), 'a1b2'], 'delivered', null);
      assert.deepEqual(
        one!.map((p) => [p.part, p.status]),
        [
          [1, 'delivered'],
          [2, 'sent'],
        ],
      );
      const two = await sms.markSubmission('r1', ['12345'], 'failed', 'UNDELIV err:001');
      assert.deepEqual(
        two!.map((p) => [p.deliveryId, p.status, p.error]),
        [
          [d, 'delivered', null],
          [d, 'failed', 'UNDELIV err:001'],
        ],
      );

      // A second attempt replaces the first one's parts: only its receipts count now.
      const [again] = await enqueue(['tel:+4930053']);
      await sms.recordSubmissions([
        { resourceId: 'r1', smscId: '500', deliveryId: again!, part: 1, parts: 1 },
      ]);
      await sms.recordSubmissions([
        { resourceId: 'r1', smscId: '501', deliveryId: again!, part: 1, parts: 1 },
      ]);
      assert.equal(await sms.markSubmission('r1', ['500'], 'delivered', null), null);
      assert.deepEqual(
        (await sms.markSubmission('r1', ['501'], 'delivered', null))!.map((p) => p.status),
        ['delivered'],
      );

      const [m1, m2] = (await enqueue(['tel:+4930051', 'tel:+4930052'])).map(() => newId());
      const c1 = await sms.issueNoticeCode(ann.id, m1!, at(0));
      const c2 = await sms.issueNoticeCode(ann.id, m2!, at(1000));
      assert.match(c1, /^[1-9][0-9]{5}$/);
      assert.notEqual(c1, c2);
      assert.deepEqual(await sms.findNoticeCode(c1), {
        code: c1,
        subscriberId: ann.id,
        messageId: m1,
        createdAt: at(0),
      });
      assert.equal((await sms.latestNoticeCode(ann.id))!.code, c2);
      assert.equal(await sms.findNoticeCode('000000'), null);
      // Codes live 30 days.
      const old = await sms.issueNoticeCode(ann.id, m1!, '2020-01-01T00:00:00.000Z');
      assert.equal(await sms.findNoticeCode(old), null);
    });

    test('resources keep their secret sealed; failures count up and reset', async () => {
      const r = await queue.createResource({
        name: 'hook',
        type: 'webhook',
        rates: [{ prefix: '+49', priceMicros: 50_000 }],
        secret: 'plain-secret-value',
        config: { url: 'http://x' },
      });
      assert.equal(r.hasSecret, true);
      const row = await handle.db
        .selectFrom('resources')
        .select('secret_sealed')
        .where('id', '=', r.id)
        .executeTakeFirstOrThrow();
      assert.ok(!row.secret_sealed!.includes('plain-secret-value'));
      assert.equal(await queue.resourceSecret(r.id), 'plain-secret-value');
      await assert.rejects(
        queue.createResource({ name: 'hook', type: 'webhook' }),
        /exists already/,
      );
      assert.equal(await queue.recordResourceResult(r.id, false), 1);
      assert.equal(await queue.recordResourceResult(r.id, false), 2);
      assert.equal(await queue.recordResourceResult(r.id, true), 0);
      const off = await queue.updateResource(r.id, {
        status: 'I',
        statusReason: 'maintenance',
        rates: [{ prefix: '*', priceMicros: 1 }],
      });
      assert.deepEqual(
        [off!.status, off!.statusReason, off!.rates],
        ['I', 'maintenance', [{ prefix: '*', priceMicros: 1 }]],
      );
    });

    test('CDRs add up per subscriber and period', async () => {
      const base = {
        deliveryId: 'd',
        subscriberId: ann.id,
        resourceId: 'r',
        destination: 'tel:+49',
        attempt: 1,
        unit: 'message',
        units: 1,
        rateMicros: 30_000,
      };
      await queue.insertCdr({
        ...base,
        id: 'c1',
        result: 'sent',
        costMicros: 30_000,
        currency: 'EUR',
        startedAt: at(1000),
        endedAt: at(1001),
      });
      await queue.insertCdr({
        ...base,
        id: 'c2',
        result: 'sent',
        costMicros: 30_000,
        currency: 'EUR',
        startedAt: at(5000),
        endedAt: at(5001),
      });
      await queue.insertCdr({
        ...base,
        id: 'c3',
        result: 'retry',
        costMicros: 0,
        currency: 'USD',
        startedAt: at(6000),
        endedAt: at(6001),
      });
      assert.deepEqual(Object.fromEntries(await queue.spentSince(ann.id, at(0))), {
        EUR: 60_000,
        USD: 0,
      });
      assert.deepEqual(Object.fromEntries(await queue.spentSince(ann.id, at(2000))), {
        EUR: 30_000,
        USD: 0,
      });
      assert.deepEqual(
        (
          await queue.listCdrs({ subscriberId: ann.id, from: at(2000), to: at(5500), limit: 10 })
        ).map((c) => c.id),
        ['c2'],
      );
      assert.equal(await queue.spendLimit(ann.id), null);
    });

    test('what calls cost adds up across subscribers by resource type', async () => {
      const voice = await queue.createResource({ name: 'calls-out', type: 'voice' });
      const hook = await queue.createResource({ name: 'hook-for-spend', type: 'webhook' });
      const cdr = (id: string, resourceId: string, subscriberId: string | null, cost: number) =>
        queue.insertCdr({
          id,
          deliveryId: 'd',
          subscriberId,
          resourceId,
          destination: 'tel:+4930123',
          attempt: 1,
          result: 'sent',
          unit: 'second',
          units: 10,
          rateMicros: cost / 10,
          costMicros: cost,
          currency: 'EUR',
          startedAt: at(100_000),
          endedAt: at(110_000),
        });
      await cdr('v1', voice.id, ann.id, 20_000);
      await cdr('v2', voice.id, null, 5_000);
      await cdr('w1', hook.id, ann.id, 7_000);
      assert.deepEqual(Object.fromEntries(await queue.spentOnTypeSince('voice', at(0))), {
        EUR: 25_000,
      });
      assert.equal((await queue.spentOnTypeSince('voice', at(200_000))).size, 0);
    });
  });
}
