import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { planSms } from '../../src/channels/sms/protocol/segments.js';
import { ADMIN_TOKEN, Client, runCli, ServerProcess, subscriberClient } from './harness.js';
import { WebhookReceiver } from './receiver.js';
import { ESME, Esme, type ClientPdu } from './smpp-client.js';

let server: ServerProcess;
let admin: Client;
let ann: { client: Client; id: string };
let shop: { client: Client; id: string };
let hook: WebhookReceiver;
const open: Esme[] = [];
const HOOK_SECRET = 'secret-of-the-sms-hook-0123';

async function esme(): Promise<Esme> {
  const e = await Esme.connect(server.smppPort);
  open.push(e);
  return e;
}

async function bound(systemId = 'shop', password = 'shop-pw1', mode?: string): Promise<Esme> {
  const e = await esme();
  const resp = await e.bind(systemId, password, mode);
  assert.equal(resp.command_status, ESME.ROK, `bind ${systemId}`);
  return e;
}

/** Ann's SMS whose text contains `words`, once it is there. */
async function annSms(words: string, tries = 100): Promise<{ message: any; text: string }> {
  for (let i = 0; i < tries; i++) {
    const list = (await ann.client.get('/api/v1/messages?type=sms')).body.messages as any[];
    for (const message of list) {
      const text = (await ann.client.get(`/api/v1/messages/${message.id}/parts/1`)).body.toString(
        'utf8',
      );
      if (text.includes(words)) return { message, text };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no SMS with "${words}" for Ann`);
}

const submit = (e: Esme, fields: Record<string, unknown>) =>
  e.call('submit_sm', {
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: '15550199',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: '15550101',
    ...fields,
  });

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_SMPP_CONCAT_TIMEOUT_SECONDS: '2',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  admin = new Client(server.url, ADMIN_TOKEN);
  ann = await subscriberClient(server, { name: 'Ann', addresses: ['tel:+15550101'] });
  shop = await subscriberClient(server, { name: 'Shop', addresses: ['tel:+15550199'] });
  const created = await admin.post('/api/v1/smpp-accounts', {
    systemId: 'shop',
    password: 'shop-pw1',
    subscriber: 'tel:+15550199',
    throughput: 50,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.subscriberId, shop.id);
  hook = await new WebhookReceiver(HOOK_SECRET).start();
  const resource = await admin.post('/api/v1/resources', {
    name: 'sms-out',
    type: 'webhook',
    messageTypes: ['sms'],
    rates: [{ prefix: '+49', price: 0.01 }],
    config: { url: hook.url },
    secret: HOOK_SECRET,
  });
  assert.equal(resource.status, 201, JSON.stringify(resource.body));
});
// Receipts go to any receiving session of the account: each test starts with none bound.
afterEach(async () => {
  for (const e of open.splice(0)) {
    e.close();
    await e.waitFor(() => e.closed);
  }
});
after(async () => {
  await hook?.stop();
  await server.dispose();
});

test('accounts are managed by the CLI; the password and system_id limits of SMPP are enforced', async () => {
  const added = await runCli(server, [
    'smpp-accounts',
    'add',
    'alerts',
    '--password',
    'alert-12',
    '--subscriber',
    'tel:+15550199',
    '--source',
    '+1555019*',
    '--throughput',
    '2',
  ]);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /added SMPP account alerts for \S+: 2\/s, from \+1555019\*/);
  const listed = await runCli(server, ['smpp-accounts', 'list']);
  assert.match(listed.stdout, /^alerts\s+\S+\s+2\/s\s+\+1555019\*$/m);
  assert.match(listed.stdout, /^shop\s+\S+\s+50\/s\s+\(the subscriber's numbers\)$/m);
  const long = await admin.post('/api/v1/smpp-accounts', {
    systemId: 'app',
    password: 'nine-char',
    subscriber: shop.id,
  });
  assert.equal(long.status, 400, 'a password SMPP cannot carry is refused');
  const taken = await runCli(server, [
    'smpp-accounts',
    'add',
    'shop',
    '--password',
    'abcdef',
    '--subscriber',
    shop.id,
  ]);
  assert.equal(taken.code, 2);
  assert.match(taken.stderr, /system_id shop is taken/);
  const temp = await runCli(server, [
    'smpp-accounts',
    'add',
    'temp',
    '--password',
    'abcdef',
    '--subscriber',
    shop.id,
  ]);
  assert.equal(temp.code, 0, temp.stderr);
  assert.equal((await runCli(server, ['smpp-accounts', 'remove', 'temp'])).code, 0);
  assert.equal((await runCli(server, ['smpp-accounts', 'remove', 'temp'])).code, 2);
  assert.equal((await admin.get('/api/v1/smpp-accounts')).body.accounts.length, 2);
});

test('a bind with a wrong password or unknown system_id is refused and logged; a right one binds', async () => {
  const wrong = await esme();
  assert.equal((await wrong.bind('shop', 'nope-pw1')).command_status, ESME.RINVPASWD);
  await wrong.waitFor(() => wrong.closed);
  const unknown = await esme();
  assert.equal((await unknown.bind('ghost', 'shop-pw1')).command_status, ESME.RINVPASWD);
  // The log comes through the server's stdout pipe, a moment behind the answer.
  await unknown.waitFor(() => /"reason":"unknown-system-id"/.test(server.output));
  assert.match(
    server.output,
    /"systemId":"shop"[^\n]*"reason":"wrong-password"[^\n]*SMPP bind refused/,
  );
  assert.match(
    server.output,
    /"systemId":"ghost"[^\n]*"reason":"unknown-system-id"[^\n]*SMPP bind refused/,
  );
  const ok = await esme();
  const resp = await ok.bind('shop', 'shop-pw1');
  assert.equal(resp.command_status, ESME.ROK);
  assert.equal(resp.system_id, 'Switchboard');
  assert.equal((await ok.call('enquire_link')).command_status, ESME.ROK);
  assert.equal((await ok.bind('shop', 'shop-pw1')).command_status, ESME.RALYBND);
  assert.equal((await ok.call('unbind')).command_status, ESME.ROK);
  await ok.waitFor(() => ok.closed);
});

test('an SMS to a subscriber lands in their mailbox, marked as an application’s, and its receipt follows', async () => {
  const e = await bound();
  const resp = await submit(e, {
    short_message: 'Your parcel is on its way',
    registered_delivery: 1,
  });
  assert.equal(resp.command_status, ESME.ROK);
  const id = resp.message_id as string;
  assert.match(id, /^[0-9a-f-]{36}$/);
  const { message, text } = await annSms('parcel');
  assert.equal(text, 'Your parcel is on its way');
  assert.equal(message.type, 'sms');
  assert.equal(message.from, 'tel:+15550199');
  assert.deepEqual(message.to, ['tel:+15550101']);
  assert.equal(message.authResults, 'switchboard; smpp-application=shop');
  const receipt = await e.waitFor(() => e.delivered.find((d) => d.receipted_message_id === id));
  assert.equal(receipt.esm_class, 0x04);
  assert.equal(receipt.message_state, 2);
  assert.equal(receipt.source_addr, '15550101');
  assert.equal(receipt.destination_addr, '15550199');
  assert.match(
    receipt.short_message.message,
    new RegExp(
      `^id:${id} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:Your parcel is on it$`,
    ),
  );
  // The shop's own sent copy exists too: the application sends as its subscriber.
  const sent = (await shop.client.get('/api/v1/messages?folder=sent&type=sms')).body.messages;
  assert.ok(sent.some((m: any) => m.to[0] === 'tel:+15550101'));
});

test('a 400-character text in three concatenated parts is stored joined, each part acknowledged', async () => {
  const e = await bound();
  const text = Array.from({ length: 400 }, (_, i) => 'The harbour opens at six. '[i % 26]).join('');
  const plan = planSms(text, 0x42);
  assert.equal(plan.parts.length, 3);
  // Out of order, as networks deliver them.
  const resps = await Promise.all(
    [2, 0, 1].map((i) =>
      submit(e, { esm_class: 0x40, data_coding: plan.dataCoding, short_message: plan.parts[i] }),
    ),
  );
  assert.deepEqual(
    resps.map((r) => r.command_status),
    [0, 0, 0],
  );
  assert.equal(new Set(resps.map((r) => r.message_id)).size, 3, 'one id a part');
  const stored = await annSms('The harbour opens at six. The harbour');
  assert.equal(stored.text, text);
});

test('a Greek text in UCS-2 arrives intact', async () => {
  const e = await bound();
  const greek = 'Καλημέρα! Το δέμα σας έφτασε.';
  const plan = planSms(greek, 1);
  assert.equal(plan.dataCoding, 8);
  const resp = await submit(e, { data_coding: 8, short_message: plan.parts[0] });
  assert.equal(resp.command_status, ESME.ROK);
  assert.equal((await annSms('Καλημέρα')).text, greek);
});

test('a part that never comes: the others are refused after the timeout, nothing is stored', async () => {
  const e = await bound();
  const plan = planSms('x'.repeat(200) + ' lonely part', 0x77);
  const resp = await submit(e, { esm_class: 0x40, short_message: plan.parts[0] });
  assert.equal(resp.command_status, 0x45, 'ESME_RSUBMITFAIL');
  await assert.rejects(annSms('lonely part', 1), /no SMS/);
});

test('senders, destinations and codings the account may not use are refused', async () => {
  const e = await bound();
  assert.equal(
    (await submit(e, { source_addr: '4930555', short_message: 'hi' })).command_status,
    ESME.RINVSRCADR,
  );
  assert.equal(
    (await submit(e, { source_addr_ton: 5, source_addr: 'SHOP', short_message: 'hi' }))
      .command_status,
    ESME.RINVSRCADR,
  );
  assert.equal(
    (await submit(e, { destination_addr: 'abc', short_message: 'hi' })).command_status,
    ESME.RINVDSTADR,
  );
  assert.equal(
    (await submit(e, { data_coding: 4, short_message: Buffer.from('hi') })).command_status,
    0x104,
  );
  const receiver = await bound('shop', 'shop-pw1', 'bind_receiver');
  assert.equal((await submit(receiver, { short_message: 'hi' })).command_status, ESME.RINVBNDSTS);
});

test('an SMS to an outside number becomes a delivery; its receipt comes when the queue sends it, to a receiver bound later', async () => {
  const tx = await bound('shop', 'shop-pw1', 'bind_transmitter');
  const resp = await submit(tx, {
    destination_addr: '4930123456',
    short_message: 'Outside hello',
    registered_delivery: 1,
  });
  assert.equal(resp.command_status, ESME.ROK);
  await tx.waitFor(() =>
    hook.requests.find((r) => JSON.stringify(r.body).includes('tel:+4930123456')),
  );
  assert.equal(tx.delivered.length, 0, 'a transmitter gets no deliver_sm');
  const rx = await bound('shop', 'shop-pw1', 'bind_receiver');
  const receipt = await rx.waitFor(() =>
    rx.delivered.find((d) => d.receipted_message_id === resp.message_id),
  );
  assert.equal(receipt.message_state, 2);
  assert.match(receipt.short_message.message, /stat:DELIVRD/);
});

test('throughput beyond the account’s limit is answered ESME_RTHROTTLED', async () => {
  const e = await bound('alerts', 'alert-12');
  const statuses = (
    await Promise.all(
      Array.from({ length: 6 }, () =>
        submit(e, { source_addr: '15550199', short_message: 'burst' }),
      ),
    )
  ).map((r) => r.command_status);
  assert.ok(statuses.filter((s) => s === ESME.RTHROTTLED).length >= 3, statuses.join(','));
  assert.ok(statuses.filter((s) => s === ESME.ROK).length >= 1, statuses.join(','));
});

test('unknown commands get generic_nack; garbage bytes get generic_nack and a close, never a crash', async () => {
  const e = await bound();
  const nack: ClientPdu = await new Promise((resolve) => {
    e.session.on('generic_nack', resolve);
    // command_id 0x00000077 is nothing SMPP defines.
    (e.session as any).socket.write(Buffer.from('00000010000000770000000000000063', 'hex'));
  });
  assert.equal(nack.command_status, ESME.RINVCMDID);
  assert.equal(nack.sequence_number, 0x63);

  for (const junk of [
    Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    Buffer.from('0000000400000004', 'hex'),
    Buffer.alloc(64, 0xff),
  ]) {
    const reply = await new Promise<Buffer>((resolve) => {
      const socket = connect(server.smppPort, '127.0.0.1', () => socket.write(junk));
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks)));
      socket.on('error', () => {});
    });
    assert.equal(reply.readUInt32BE(4), 0x80000000, 'generic_nack');
    assert.equal(reply.readUInt32BE(8), ESME.RINVCMDLEN);
  }
  // A PDU whose length is right but whose body stops short: answered, and the session goes on.
  (e.session as any).socket.write(Buffer.from('00000011000000040000000000000064' + '01', 'hex'));
  const answer = await e.waitFor(() => e.received.find((p) => p.sequence_number === 0x64));
  assert.notEqual(answer.command_status, ESME.ROK);
  assert.equal((await e.call('enquire_link')).command_status, ESME.ROK, 'still serving');
  assert.equal((await (await esme()).bind('shop', 'shop-pw1')).command_status, ESME.ROK);
});
