import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';

describe('dynamic mailboxes enabled', () => {
  let server: ServerProcess;
  before(async () => {
    server = await ServerProcess.start({
      SWITCHBOARD_DYNAMIC_MAILBOXES: 'true',
      SWITCHBOARD_NUMBER_RANGES: '+1555',
      SWITCHBOARD_DOMAINS: 'example.test',
      SWITCHBOARD_DEFAULT_QUOTA_BYTES: '2m',
    });
  });
  after(() => server.dispose());

  test('a message to an unknown number in an owned range creates the mailbox with the default profile', async () => {
    const ann = await subscriberClient(server, { name: 'Ann', addresses: ['tel:+15550001'] });
    const sent = await ann.client.post('/api/v1/messages', {
      to: ['tel:+15557777'],
      text: 'first message to a new number',
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const copy = sent.body.copies.find((c: any) => c.address === 'tel:+15557777');
    assert.equal(copy.createdMailbox, true);
    const admin = new Client(server.url, ADMIN_TOKEN);
    const list = await admin.get('/api/v1/subscribers');
    const created = list.body.subscribers.find((s: any) => s.addresses.includes('tel:+15557777'));
    assert.ok(created, 'the subscriber exists');
    assert.equal(created.dynamic, true);
    assert.equal(created.quotaBytes, 2 * 1024 * 1024, 'the operator’s default quota');
    assert.equal(created.messageCount, 1);

    const second = await ann.client.post('/api/v1/messages', {
      to: ['tel:+15557777'],
      text: 'second',
    });
    assert.equal(
      second.body.copies.find((c: any) => c.address === 'tel:+15557777').createdMailbox,
      false,
    );
  });

  test('an address outside the owned ranges is external, and only a signed-in sender may go outside', async () => {
    const anonymous = new Client(server.url);
    const relay = await anonymous.post('/api/v1/messages', {
      to: ['tel:+4930123456'],
      text: 'relay me',
    });
    assert.equal(relay.status, 401);
    const admin = new Client(server.url, ADMIN_TOKEN);
    const before = (await admin.get('/api/v1/subscribers')).body.subscribers.length;
    const ann = await subscriberClient(server, { name: 'Out', addresses: ['tel:+15550009'] });
    const out = await ann.client.post('/api/v1/messages', {
      to: ['tel:+4930123456'],
      text: 'to the outside',
    });
    assert.equal(out.status, 201);
    assert.equal(out.body.deliveries.length, 1, 'recorded for the delivery queue');
    assert.equal(
      (await admin.get('/api/v1/subscribers')).body.subscribers.length,
      before + 1,
      'no mailbox for an outside number',
    );
    // No outbound resource is configured here, so the queue holds it and alerts the operator.
    const held = await eventually(async () => {
      const list = (await admin.get('/api/v1/deliveries?status=H')).body.deliveries;
      return list.find((d: any) => d.recipient === 'tel:+4930123456');
    }, 'the delivery to be held');
    assert.equal(held.holdReason, 'no-resource');
  });
});

describe('dynamic mailboxes disabled (the default)', () => {
  let server: ServerProcess;
  before(async () => {
    server = await ServerProcess.start({ SWITCHBOARD_NUMBER_RANGES: '+1555' });
  });
  after(() => server.dispose());

  test('a message to an unknown number in an owned range is refused and nothing is created', async () => {
    const ann = await subscriberClient(server, { name: 'Ann', addresses: ['tel:+15550001'] });
    const refused = await ann.client.post('/api/v1/messages', {
      to: ['tel:+15557777'],
      text: 'hello?',
    });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.type, 'urn:switchboard:problem:no-mailbox');
    assert.match(refused.body.detail, /no mailbox tel:\+15557777/);
    const admin = new Client(server.url, ADMIN_TOKEN);
    assert.equal((await admin.get('/api/v1/subscribers')).body.subscribers.length, 1);
    assert.equal(
      (await ann.client.get('/api/v1/messages?folder=sent')).body.messages.length,
      0,
      'not even a sent copy',
    );
  });

  test('a full mailbox refuses with a clear answer; unlimited is null, not zero', async () => {
    const ann = await subscriberClient(server, {
      name: 'Sender',
      addresses: ['tel:+15550002'],
      quotaBytes: null,
    });
    assert.equal((await ann.client.get('/api/v1/me')).body.quotaBytes, null);
    const bob = await subscriberClient(server, {
      name: 'Small',
      addresses: ['tel:+15550003'],
      quotaBytes: 5000,
    });
    const fits = await ann.client.post('/api/v1/messages', {
      to: ['tel:+15550003'],
      text: 'x'.repeat(3000),
    });
    assert.equal(fits.status, 201);
    const full = await ann.client.post('/api/v1/messages', {
      to: ['tel:+15550003'],
      text: 'y'.repeat(3000),
    });
    assert.equal(full.status, 422);
    assert.equal(full.body.type, 'urn:switchboard:problem:quota-exceeded');
    assert.match(full.body.detail, /full/);
    const inbox = await bob.client.get('/api/v1/messages');
    assert.equal(inbox.body.messages.length, 1, 'the refused message was not stored');
    const me = await bob.client.get('/api/v1/me');
    assert.ok(me.body.usedBytes <= 5000);
  });
});
