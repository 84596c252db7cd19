import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { open, seal } from './aead.js';
import { Batcher } from './batcher.js';
import { decodeBase64Strict } from './base64.js';
import { isId, newId } from './ids.js';
import { TtlCache } from './ttl-cache.js';
import { backoffMs } from './backoff.js';
import { LinkSigner } from './link-signer.js';
import { KeyedSemaphore } from './keyed-semaphore.js';

test('seal and open: round trip, and any change to ciphertext, key or associated data is refused', () => {
  const key = randomBytes(32);
  const sealed = seal(key, Buffer.from('voicemail'), Buffer.from('sha'));
  assert.ok(!sealed.includes(Buffer.from('voicemail')));
  assert.equal(open(key, sealed, Buffer.from('sha')).toString(), 'voicemail');
  assert.notDeepEqual(
    seal(key, Buffer.from('voicemail'), Buffer.from('sha')),
    sealed,
    'a fresh nonce each time',
  );
  const flipped = Buffer.from(sealed);
  flipped[14]! ^= 1;
  assert.throws(() => open(key, flipped, Buffer.from('sha')));
  assert.throws(() => open(randomBytes(32), sealed, Buffer.from('sha')));
  assert.throws(() => open(key, sealed, Buffer.from('other')));
});

test('ids sort by creation time', async () => {
  const a = newId();
  await new Promise((r) => setTimeout(r, 2));
  const b = newId();
  assert.ok(isId(a) && isId(b));
  assert.ok(a < b);
  assert.equal(isId('not-an-id'), false);
});

test('group commit: callers arriving together share one flush; each gets its own outcome', async () => {
  const flushes: number[][] = [];
  const batcher = new Batcher<number, number>(async (items) => {
    flushes.push(items);
    await new Promise((r) => setTimeout(r, 5));
    return items.map((n) =>
      n % 5 === 0
        ? { ok: false as const, error: new Error(`no ${n}`) }
        : { ok: true as const, value: n * 2 },
    );
  }, 8);
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => batcher.submit(i + 1)),
  );
  assert.deepEqual(flushes[0], [1, 2, 3, 4, 5, 6, 7, 8], 'the first flush takes a full batch');
  assert.ok(
    flushes.length >= 3 && flushes.length < 20,
    `batched, not one by one (${flushes.length} flushes)`,
  );
  assert.deepEqual(
    flushes.flat(),
    Array.from({ length: 20 }, (_, i) => i + 1),
    'in order, each once',
  );
  results.forEach((r, i) => {
    const n = i + 1;
    if (n % 5 === 0) assert.equal(r.status, 'rejected');
    else assert.deepEqual(r, { status: 'fulfilled', value: n * 2 });
  });
});

test('a flush that throws fails its own batch only', async () => {
  let calls = 0;
  const batcher = new Batcher<number, number>(async (items) => {
    calls++;
    if (calls === 1) throw new Error('disk full');
    return items.map((n) => ({ ok: true as const, value: n }));
  });
  await assert.rejects(batcher.submit(1), /disk full/);
  assert.equal(await batcher.submit(2), 2);
});

test('strict base64: padding and alphabet are checked', () => {
  assert.deepEqual(decodeBase64Strict('aGVsbG8='), Buffer.from('hello'));
  assert.deepEqual(decodeBase64Strict(''), Buffer.alloc(0));
  for (const bad of ['aGVsbG8', 'aGV sbG8=', '!!!!', 'aGVsbG8=\n', 'aGVsbG9=', '-_-_'])
    assert.equal(decodeBase64Strict(bad), null, JSON.stringify(bad));
});

test('the TTL cache forgets after its time and keeps within its capacity', () => {
  let now = 0;
  const cache = new TtlCache<string, number>(100, 2, () => now);
  cache.set('a', 1);
  cache.set('b', 2);
  assert.equal(cache.get('a'), 1);
  cache.set('c', 3);
  assert.equal(cache.get('a'), undefined, 'the oldest went first');
  assert.equal(cache.get('c'), 3);
  now = 100;
  assert.equal(cache.get('c'), undefined, 'expired');
  cache.set('d', 4);
  cache.delete('d');
  assert.equal(cache.get('d'), undefined);
});

test('backoff doubles per attempt within jitter, up to its cap', () => {
  assert.equal(
    backoffMs(1, 1000, 60_000, () => 0),
    500,
  );
  assert.equal(
    backoffMs(1, 1000, 60_000, () => 1),
    1000,
  );
  assert.equal(
    backoffMs(4, 1000, 60_000, () => 1),
    8000,
  );
  assert.equal(
    backoffMs(20, 1000, 60_000, () => 1),
    60_000,
  );
});

test('signed links verify only their own path, before they expire', () => {
  const signer = new LinkSigner(Buffer.alloc(32, 7));
  const sig = signer.sign('/a/1', 2000);
  assert.equal(signer.verify('/a/1', 2000, sig, 1000), true);
  assert.equal(signer.verify('/a/2', 2000, sig, 1000), false);
  assert.equal(signer.verify('/a/1', 2001, sig, 1000), false);
  assert.equal(signer.verify('/a/1', 2000, sig, 3000), false, 'expired');
  assert.equal(new LinkSigner(Buffer.alloc(32, 8)).verify('/a/1', 2000, sig, 1000), false);
});

test('the keyed semaphore limits holders per key, not across keys, and forgets idle keys', async () => {
  const limiter = new KeyedSemaphore();
  const active = new Map<string, number>();
  const peak = new Map<string, number>();
  const work = (key: string) =>
    limiter.run(key, 2, async () => {
      active.set(key, (active.get(key) ?? 0) + 1);
      peak.set(key, Math.max(peak.get(key) ?? 0, active.get(key)!));
      await new Promise((r) => setTimeout(r, 5));
      active.set(key, active.get(key)! - 1);
      return key;
    });
  const results = await Promise.all([
    ...Array.from({ length: 6 }, () => work('a.test')),
    ...Array.from({ length: 3 }, () => work('b.test')),
  ]);
  assert.equal(results.length, 9);
  assert.equal(peak.get('a.test'), 2);
  assert.equal(peak.get('b.test'), 2);
  assert.equal(limiter.keys, 0, 'no semaphore is kept for idle keys');
  await assert.rejects(
    limiter.run('c.test', 1, async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(limiter.keys, 0, 'a failing holder gives its place back');
});
