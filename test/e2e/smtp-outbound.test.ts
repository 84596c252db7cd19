import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';

/** Two Switchboards: A sends mail out through an SMTP resource whose smarthost is B's SMTP port. */
let a: ServerProcess;
let b: ServerProcess;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };
let adminA: Client;

before(async () => {
  const queue = { SWITCHBOARD_DELIVERY_POLL_MS: '100', SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '200' };
  a = await ServerProcess.start({ ...queue, SWITCHBOARD_DOMAINS: 'a.test' });
  b = await ServerProcess.start({ SWITCHBOARD_DOMAINS: 'b.test' });
  adminA = new Client(a.url, ADMIN_TOKEN);
  const resource = await adminA.post('/api/v1/resources', {
    name: 'smarthost',
    type: 'smtp',
    config: { host: '127.0.0.1', port: b.smtpPort },
    rates: [{ prefix: 'mailto:', price: 0.002 }],
    channels: 2,
  });
  assert.equal(resource.status, 201, JSON.stringify(resource.body));
  ann = await subscriberClient(a, { name: 'Ann', addresses: ['mailto:ann@a.test'] });
  bob = await subscriberClient(b, { name: 'Bob', addresses: ['mailto:bob@b.test'] });
});
after(async () => {
  await a.dispose();
  await b.dispose();
});

const delivery = (id: string) =>
  eventually(async () => {
    const d = (await adminA.get(`/api/v1/deliveries/${id}`)).body;
    return ['S', 'F', 'D'].includes(d.status) ? d : undefined;
  }, `delivery ${id}`);

test('mail to another domain leaves through the SMTP resource and arrives with its parts', async () => {
  const attachment = randomBytes(5000);
  const sent = await ann.client.post('/api/v1/messages', {
    to: ['mailto:bob@b.test'],
    type: 'email',
    subject: 'Across the wire',
    text: 'Hello from A',
    attachments: [
      {
        filename: 'data.bin',
        contentType: 'application/octet-stream',
        content: attachment.toString('base64'),
      },
    ],
  });
  const d = await delivery(sent.body.deliveries[0].id);
  assert.equal(d.status, 'S', JSON.stringify(d));
  const mail = await eventually(
    async () =>
      (await bob.client.get('/api/v1/messages')).body.messages.find(
        (m: any) => m.subject === 'Across the wire',
      ),
    'the mail at B',
  );
  assert.equal(mail.from, 'mailto:ann@a.test');
  assert.equal(
    (await bob.client.get(`/api/v1/messages/${mail.id}/parts/1`)).body.toString().trim(),
    'Hello from A',
  );
  const part = mail.parts.find((p: any) => p.filename === 'data.bin');
  assert.ok(
    (await bob.client.get(`/api/v1/messages/${mail.id}/parts/${part.index}`)).body.equals(
      attachment,
    ),
  );
});

test('a 5xx from the receiving server fails the delivery with a receipt; a 4xx defers it', async () => {
  const unknown = await ann.client.post('/api/v1/messages', {
    to: ['mailto:nobody@b.test'],
    subject: 'Lost',
    text: 'x',
  });
  const failed = await delivery(unknown.body.deliveries[0].id);
  assert.equal(failed.status, 'F');
  assert.match(failed.lastError, /550 5\.1\.1/);
  await eventually(
    async () =>
      (await ann.client.get('/api/v1/messages?folder=inbox')).body.messages.some(
        (m: any) => m.subject === 'Not delivered: Lost',
      ),
    'the receipt',
  );

  await subscriberClient(b, { name: 'Full', addresses: ['mailto:full@b.test'], quotaBytes: 10 });
  const full = await ann.client.post('/api/v1/messages', {
    to: ['mailto:full@b.test'],
    subject: 'Later',
    text: 'too big for the mailbox',
  });
  const deferred = await delivery(full.body.deliveries[0].id);
  assert.equal(deferred.status, 'D', 'a full mailbox is temporary: tried again later');
  assert.match(deferred.lastError, /452 4\.2\.2/);
});
