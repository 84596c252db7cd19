import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { addSmscResource, SmscSimulator } from './smsc-simulator.js';

/**
 * SMS as conversations through the REST API: texts from two numbers make two conversations,
 * newest first with the last text and unread count; a thread holds both directions oldest first
 * with each sent text's status from its delivery (sent while the receipt is awaited, delivered
 * or failed by the receipt); reading marks it read; nobody sees another's conversations.
 */
let server: ServerProcess;
let smsc: SmscSimulator;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };

const ANN = '15550001';
const path = (party: string, rest = 'messages') =>
  `/api/v1/conversations/${encodeURIComponent(party)}/${rest}`;

before(async () => {
  smsc = await new SmscSimulator('switchboard', 'smpp-pw').start();
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
  });
  ann = await subscriberClient(server, { name: 'Ann', addresses: [`tel:+${ANN}`] });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['tel:+15550002'] });
  await addSmscResource(new Client(server.url, ADMIN_TOKEN), smsc);
});

after(async () => {
  await server?.dispose();
  await smsc?.stop();
});

async function conversations(client: Client) {
  const answer = await client.get('/api/v1/conversations');
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.conversations as Array<Record<string, unknown>>;
}

async function thread(party: string) {
  const answer = await ann.client.get(path(party));
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.messages as Array<Record<string, any>>;
}

async function send(to: string, text: string): Promise<string> {
  const sent = await ann.client.post('/api/v1/messages', { type: 'sms', to: [to], text });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  return sent.body.id;
}

test('texts from two numbers make two conversations, newest first, with unread counts', async () => {
  assert.deepEqual(await smsc.deliver('4930111', ANN, 'Are we still on for Friday?'), [0]);
  assert.deepEqual(await smsc.deliver('4930222', ANN, 'Parcel is at the door'), [0]);
  assert.deepEqual(await smsc.deliver('4930111', ANN, 'Bring the plans'), [0]);
  const list = await eventually(async () => {
    const l = await conversations(ann.client);
    return l.length === 2 && l[0]!.lastText === 'Bring the plans' ? l : undefined;
  }, 'two conversations');
  assert.deepEqual(
    list.map((c) => [c.party, c.lastText, c.unread, c.total, c.lastDirection]),
    [
      ['tel:+4930111', 'Bring the plans', 2, 2, 'in'],
      ['tel:+4930222', 'Parcel is at the door', 1, 1, 'in'],
    ],
  );
  assert.deepEqual(await conversations(bob.client), [], 'Bob sees none of Ann’s texts');
  const foreign = await bob.client.get(path('tel:+4930111'));
  assert.deepEqual(foreign.body.messages, []);
});

test('a thread holds both directions, oldest first, with each sent text’s status', async () => {
  smsc.behaviour.withholdReceipts = 1;
  const waiting = await send('tel:+4930111', 'Yes, see you at nine');
  const sentOnly = await eventually(async () => {
    const m = (await thread('tel:+4930111')).find((x) => x.id === waiting);
    return m?.status === 'sent' ? m : undefined;
  }, 'the reply handed to the SMSC, its receipt awaited');
  assert.equal(sentOnly.direction, 'out');
  assert.equal(sentOnly.error, null);

  const delivered = await send('tel:+4930111', 'And the plans');
  await eventually(async () => {
    const m = (await thread('tel:+4930111')).find((x) => x.id === delivered);
    return m?.status === 'delivered' || undefined;
  }, 'the receipt to mark the text delivered');

  smsc.behaviour.receiptStat = 'UNDELIV';
  const failed = await send('tel:+4930222', 'Leave it with the neighbours');
  const f = await eventually(async () => {
    const m = (await thread('tel:+4930222')).find((x) => x.id === failed);
    return m?.status === 'failed' ? m : undefined;
  }, 'the UNDELIV receipt to mark the text failed');
  smsc.behaviour.receiptStat = 'DELIVRD';
  assert.ok(f.error, 'a failed text says why');

  const messages = await thread('tel:+4930111');
  assert.deepEqual(
    messages.map((m) => [m.direction, m.text, m.status]),
    [
      ['in', 'Are we still on for Friday?', null],
      ['in', 'Bring the plans', null],
      ['out', 'Yes, see you at nine', 'sent'],
      ['out', 'And the plans', 'delivered'],
    ],
  );
  const list = await conversations(ann.client);
  assert.deepEqual(
    list.map((c) => [c.party, c.lastText, c.lastDirection]),
    [
      ['tel:+4930222', 'Leave it with the neighbours', 'out'],
      ['tel:+4930111', 'And the plans', 'out'],
    ],
  );
  const older = await ann.client.get(`${path('tel:+4930111')}?limit=2`);
  assert.deepEqual(
    older.body.messages.map((m: { text: string }) => m.text),
    ['Yes, see you at nine', 'And the plans'],
  );
  const page = await ann.client.get(`${path('tel:+4930111')}?limit=2&before=${older.body.older}`);
  assert.deepEqual(
    page.body.messages.map((m: { text: string }) => m.text),
    ['Are we still on for Friday?', 'Bring the plans'],
  );
});

test('reading a conversation marks its received texts read, only in the reader’s mailbox', async () => {
  const party = 'tel:+4930111';
  const marked = await ann.client.post(path(party, 'read'));
  assert.equal(marked.status, 200, JSON.stringify(marked.body));
  assert.equal(marked.body.marked, 2);
  const list = await conversations(ann.client);
  assert.equal(list.find((c) => c.party === party)!.unread, 0);
  assert.equal(list.find((c) => c.party === 'tel:+4930222')!.unread, 1);
  assert.equal((await ann.client.post(path(party, 'read'))).body.marked, 0);
  assert.equal((await bob.client.post(path(party, 'read'))).status, 404);
  const bad = await ann.client.get(path('not a number'));
  assert.equal(bad.status, 400);
  assert.match(bad.body.detail, /not a/);
});
