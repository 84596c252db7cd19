import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually, WebhookReceiver } from './receiver.js';

/**
 * Two Switchboard processes on one PostgreSQL share the delivery queue. The test command starts
 * that PostgreSQL and sets SWITCHBOARD_TEST_DATABASE_URL; without it this fails, never skips.
 */
const url = process.env.SWITCHBOARD_TEST_DATABASE_URL;
const SECRET = 'cluster-hook-secret-0123456789';
let nodeA: ServerProcess;
let nodeB: ServerProcess;
let hook: WebhookReceiver;

before(async () => {
  if (!url)
    throw new Error(
      'SWITCHBOARD_TEST_DATABASE_URL is not set: run the suite with `npm test`, which starts PostgreSQL',
    );
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;');
  await client.end();
  // Both nodes read each other's inline parts, so they share the blob key.
  const env = {
    SWITCHBOARD_DATABASE_URL: url,
    SWITCHBOARD_BLOB_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_DELIVERY_LEASE_SECONDS: '2',
    SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '100',
  };
  nodeA = new ServerProcess(mkdtempSync(join(tmpdir(), 'switchboard-node-a-')), env);
  await nodeA.start();
  nodeB = new ServerProcess(mkdtempSync(join(tmpdir(), 'switchboard-node-b-')), env);
  await nodeB.start();
  hook = await new WebhookReceiver(SECRET).start();
  // Slow answers keep attempts in flight, so the kill lands while node A holds leases.
  hook.delayMs = 250;
});
after(async () => {
  await nodeA?.dispose();
  await nodeB?.dispose();
  await hook?.stop();
});

test('one node is SIGKILLed mid-lease; every delivery still ends S, once per idempotency key', async () => {
  const adminA = new Client(nodeA.url, ADMIN_TOKEN);
  const adminB = new Client(nodeB.url, ADMIN_TOKEN);
  const created = await adminA.post('/api/v1/resources', {
    name: 'shared-hook',
    type: 'webhook',
    config: { url: hook.url },
    secret: SECRET,
    channels: 4,
    rates: [{ prefix: '*', price: 0.01 }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const ann = await subscriberClient(nodeA, {
    name: 'Ann',
    addresses: ['tel:+15550001'],
    quotaBytes: null,
  });

  const deliveryIds: string[] = [];
  for (let i = 0; i < 40; i++) {
    const sent = await ann.client.post('/api/v1/messages', {
      to: [`tel:+44207000${String(i).padStart(3, '0')}`],
      text: `message ${i}`,
    });
    assert.equal(sent.status, 201);
    deliveryIds.push(sent.body.deliveries[0].id);
  }
  // Wait until both nodes are sending, then kill A while it holds leases.
  await eventually(async () => hook.requests.length >= 6, 'the first deliveries to arrive');
  const leased = (await adminB.get('/api/v1/deliveries?status=X&limit=100')).body.deliveries.length;
  await nodeA.stop('SIGKILL');

  const all = await eventually(
    async () => {
      const list = (await adminB.get('/api/v1/deliveries?limit=1000&kind=message')).body.deliveries;
      return list.length === 40 && list.every((d: any) => d.status === 'S') ? list : undefined;
    },
    'every delivery to end S on node B',
    30_000,
  );
  assert.deepEqual(new Set(all.map((d: any) => d.id)), new Set(deliveryIds));
  assert.ok(
    all.some((d: any) => d.attempts >= 2),
    'node B took over at least one delivery whose lease the killed node held',
  );

  const keys = hook.keys();
  assert.equal(keys.size, 40, 'the receiver has every delivery');
  assert.deepEqual(keys, new Set(deliveryIds), 'by its idempotency key');
  assert.ok(hook.requests.every((r) => r.signatureValid));
  const repeats = hook.requests.length - keys.size;
  // At-least-once: attempts cut off by the kill are sent again after their lease ran out.
  assert.ok(
    repeats <= leased + 4,
    `repeats (${repeats}) come only from leases the killed node held`,
  );

  const cdrs = (await adminB.get('/api/v1/cdrs?limit=1000')).body.cdrs.filter(
    (c: any) => c.result === 'sent',
  );
  assert.equal(
    new Set(cdrs.map((c: any) => c.deliveryId)).size,
    40,
    'a sent CDR for every delivery',
  );
});
