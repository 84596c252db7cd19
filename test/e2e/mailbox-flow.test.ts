import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, Client, readEvents, ServerProcess, subscriberClient } from './harness.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

let server: ServerProcess;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };

before(async () => {
  server = await ServerProcess.start();
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['tel:+15550001', 'mailto:ann@localhost'],
  });
  bob = await subscriberClient(server, {
    name: 'Bob',
    addresses: ['tel:+15550002', 'mailto:bob@localhost'],
  });
});
after(() => server.dispose());

test('A sends B text and an attachment; B is told, lists, reads, downloads, files and finds it; A cannot see it', async () => {
  // Random bytes with a marker: a plaintext copy on disk would contain the marker.
  const attachment = Buffer.concat([
    Buffer.from('PLAINTEXT-MARKER-'.repeat(100)),
    randomBytes(50_000),
  ]);
  let sent: any;
  const events = await readEvents(
    `${server.url}/api/v1/events?token=${bob.client.token}`,
    (seen) => seen.some((e) => e.event === 'message.created'),
    async () => {
      sent = await ann.client.post('/api/v1/messages', {
        to: ['mailto:bob@localhost'],
        subject: 'Harbour plans',
        text: 'The lighthouse drawings are attached.',
        attachments: [
          {
            filename: 'plans.bin',
            contentType: 'application/octet-stream',
            content: attachment.toString('base64'),
          },
        ],
      });
    },
  );
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const created = events.find((e) => e.event === 'message.created')!;
  const bobCopy = sent.body.copies.find((c: any) => c.address === 'mailto:bob@localhost');
  assert.equal(created.data.messageId, bobCopy.messageId, 'the event names B’s new message');

  const list = await bob.client.get('/api/v1/messages?folder=inbox');
  assert.equal(list.status, 200);
  assert.equal(list.body.messages.length, 1);
  const id = list.body.messages[0].id;
  assert.equal(id, bobCopy.messageId);

  const read = await bob.client.get(`/api/v1/messages/${id}`);
  assert.equal(read.body.subject, 'Harbour plans');
  assert.equal(read.body.from, 'tel:+15550001');
  const text = await bob.client.get(`/api/v1/messages/${id}/parts/1`);
  assert.equal(text.body.toString(), 'The lighthouse drawings are attached.');
  const download = await bob.client.get(`/api/v1/messages/${id}/parts/2?download=true`);
  assert.equal(download.status, 200);
  assert.ok(download.body.equals(attachment), 'the downloaded bytes are identical');
  assert.match(download.headers.get('content-disposition')!, /attachment; filename="plans.bin"/);

  const marked = await bob.client.patch(`/api/v1/messages/${id}`, { folder: 'saved', read: true });
  assert.equal(marked.status, 200);
  assert.equal(marked.body.folder, 'saved');
  assert.equal((await bob.client.get('/api/v1/messages?folder=inbox')).body.messages.length, 0);

  const found = await bob.client.get('/api/v1/messages?q=lighthouse');
  assert.deepEqual(
    found.body.messages.map((m: any) => [m.id, m.folder]),
    [[id, 'saved']],
  );
  assert.equal((await bob.client.get('/api/v1/messages?q=submarine')).body.messages.length, 0);

  for (const path of [
    `/api/v1/messages/${id}`,
    `/api/v1/messages/${id}/parts/2`,
    `/api/v1/messages/${id}/export`,
  ]) {
    const theirs = await ann.client.get(path);
    assert.ok([403, 404].includes(theirs.status), `${path} is closed to A (got ${theirs.status})`);
    assert.equal(theirs.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  }
  const annPatch = await ann.client.patch(`/api/v1/messages/${id}`, { folder: 'trash' });
  assert.equal(annPatch.status, 404);
  assert.equal(
    (await ann.client.get(`/api/v1/messages?q=lighthouse&folder=inbox`)).body.messages.length,
    0,
  );
  assert.equal(
    (await new Client(server.url).get('/api/v1/messages')).status,
    401,
    'no token, no mailbox',
  );
  assert.equal(
    (await ann.client.get('/api/v1/subscribers')).status,
    403,
    'subscribers cannot manage subscribers',
  );

  const blobFiles = filesUnder(join(server.dataDir, 'blobs'));
  assert.ok(blobFiles.length > 0, 'the attachment went to a blob file');
  for (const f of blobFiles)
    assert.ok(!readFileSync(f).includes('PLAINTEXT-MARKER'), `${f} holds ciphertext only`);
  assert.ok(!readFileSync(join(server.dataDir, 'switchboard.db')).includes('PLAINTEXT-MARKER'));
});

test('export then import gives the same message and parts', async () => {
  const sent = await ann.client.post('/api/v1/messages', {
    to: ['tel:+15550002'],
    type: 'email',
    subject: 'Round trip',
    text: 'exported and imported',
    urgent: true,
    attachments: [
      {
        filename: 'a.png',
        contentType: 'image/png',
        content: randomBytes(20_000).toString('base64'),
      },
    ],
  });
  const id = sent.body.copies.find((c: any) => c.address === 'tel:+15550002').messageId;
  const exported = await bob.client.get(`/api/v1/messages/${id}/export`);
  assert.equal(exported.body.format, 'switchboard.message/1');
  const imported = await bob.client.post('/api/v1/messages/import', exported.body);
  assert.equal(imported.status, 201, JSON.stringify(imported.body));
  const copyId = imported.body.copies[0].messageId;
  assert.notEqual(copyId, id);
  const again = await bob.client.get(`/api/v1/messages/${copyId}/export`);
  const strip = (doc: any) => ({
    ...doc,
    message: { ...doc.message, id: undefined, accessedAt: undefined },
  });
  assert.deepEqual(
    strip(again.body),
    strip(exported.body),
    'same envelope, flags, parts and bytes',
  );

  const xml = await bob.client.get(`/api/v1/messages/${id}/export?format=xml`);
  assert.equal(xml.status, 200);
  assert.match(xml.headers.get('content-type')!, /application\/xml/);
  assert.match(xml.body.toString(), /<subject>Round trip<\/subject>/);

  const admin = new Client(server.url, ADMIN_TOKEN);
  const whole = await admin.get(`/api/v1/subscribers/${bob.id}/export`);
  assert.equal(whole.status, 200);
  assert.ok(whole.body.messages.length >= 3);
});

test('trash, restore and permanent delete give the quota back', async () => {
  const before = (await bob.client.get('/api/v1/me')).body.usedBytes;
  const sent = await ann.client.post('/api/v1/messages', {
    to: ['tel:+15550002'],
    text: 'to be deleted',
  });
  const id = sent.body.copies.find((c: any) => c.address === 'tel:+15550002').messageId;
  assert.ok((await bob.client.get('/api/v1/me')).body.usedBytes > before);
  assert.deepEqual((await bob.client.delete(`/api/v1/messages/${id}`)).body, { result: 'trashed' });
  assert.equal((await bob.client.get(`/api/v1/messages/${id}`)).body.folder, 'trash');
  assert.equal((await bob.client.post(`/api/v1/messages/${id}/restore`)).body.folder, 'inbox');
  assert.deepEqual((await bob.client.delete(`/api/v1/messages/${id}?permanent=true`)).body, {
    result: 'purged',
  });
  assert.equal((await bob.client.get(`/api/v1/messages/${id}`)).status, 404);
  assert.equal((await bob.client.get('/api/v1/me')).body.usedBytes, before);
});

test('health, readiness, metrics and the OpenAPI document', async () => {
  const c = new Client(server.url);
  assert.deepEqual((await c.get('/healthz')).body, { status: 'ok' });
  assert.deepEqual((await c.get('/readyz')).body, { status: 'ready' });
  const metrics = (await c.get('/metrics')).body.toString();
  assert.match(metrics, /switchboard_intake_messages_total \d+/);
  assert.match(
    metrics,
    /switchboard_http_requests_total\{method="POST",route="\/api\/v1\/messages",status="201"\}/,
  );
  const openapi = await c.get('/api/openapi.json');
  assert.equal(openapi.body.openapi, '3.1.0');
  for (const path of [
    '/api/v1/messages',
    '/api/v1/messages/{id}/parts/{part}',
    '/api/v1/events',
    '/api/v1/subscribers',
  ])
    assert.ok(openapi.body.paths[path], `${path} is documented`);
});
