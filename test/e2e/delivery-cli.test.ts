import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, Client, runCli, ServerProcess } from './harness.js';

const SECRET = 'webhook-shared-secret-0123';
let server: ServerProcess;
let admin: Client;
let receiver: Server;
let hookUrl: string;
const received: Array<{ headers: IncomingHttpHeaders; raw: string; body: any }> = [];

const switchboard = (args: string[], env: Record<string, string> = {}) => runCli(server, args, env);

/** Like `switchboard`, but the command must succeed; gives back its parsed --json output. */
async function json(args: string[]): Promise<any> {
  const result = await switchboard([...args, '--json']);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Polls a delivery through the REST API until `done` holds for it. */
async function waitFor(id: string, done: (d: any) => boolean, what: string): Promise<any> {
  const deadline = Date.now() + 15_000;
  let last: any;
  while (Date.now() < deadline) {
    const answer = await admin.get(`/api/v1/deliveries?limit=1000`);
    last = answer.body.deliveries.find((d: any) => d.id === id);
    if (last && done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`delivery ${id} never became ${what}; last seen ${JSON.stringify(last)}`);
}

const sentTo = (recipient: string) =>
  received.filter((r) => r.body.delivery.recipient === recipient);

before(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  server = await ServerProcess.start({
    SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '200',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
  });
  admin = new Client(server.url, ADMIN_TOKEN);
});

after(async () => {
  await server.dispose();
  await new Promise((r) => receiver.close(r));
});

test('a webhook resource carries a message; queue and CDR export show it', async () => {
  const added = await json([
    'resources',
    'add',
    '--type',
    'webhook',
    '--name',
    'hooks',
    '--url',
    hookUrl,
    '--secret',
    SECRET,
    '--rate',
    '+49=0.05',
    '--rate',
    '*=0.2',
    '--currency',
    'EUR',
    '--channels',
    '2',
  ]);
  assert.equal(added.status, 'A');
  assert.equal(added.hasSecret, true);
  assert.equal(added.config.url, hookUrl);
  assert.deepEqual(added.rates, [
    { prefix: '+49', price: 0.05 },
    { prefix: '*', price: 0.2 },
  ]);

  const listed = await switchboard(['resources', 'list']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(
    listed.stdout,
    /^NAME\s+TYPE\s+STATUS\s+CHANNELS\s+BUSY\s+INFLIGHT\s+RATES\s+CURRENCY/,
  );
  assert.match(listed.stdout, /hooks\s+webhook\s+A\s+2\s+0\s+0\s+\+49=0\.05,\*=0\.2\s+EUR/);

  const ann = await json([
    'subscriber',
    'add',
    '--name',
    'Ann',
    '--address',
    'tel:+15550001',
    '--password',
    'Ann long password',
    '--spend-limit',
    '10',
  ]);
  assert.equal(ann.spendLimit, 10);

  const sent = await json([
    'send',
    '--from',
    'tel:+15550001',
    '--to',
    'tel:+4930111222',
    '--subject',
    'Hello Berlin',
    '--text',
    'hello from the CLI',
  ]);
  assert.equal(sent.deliveries.length, 1);
  const id = sent.deliveries[0].id;
  const done = await waitFor(id, (d) => d.status === 'S', 'S');
  assert.equal(done.attempts, 1);

  const [hit] = sentTo('tel:+4930111222');
  assert.ok(hit, 'the receiver got the delivery');
  assert.equal(hit.headers['idempotency-key'], id);
  assert.equal(
    hit.headers['x-switchboard-signature'],
    `sha256=${createHmac('sha256', SECRET).update(hit.raw).digest('hex')}`,
  );
  assert.equal(hit.body.delivery.kind, 'message');
  assert.equal(hit.body.message.subject, 'Hello Berlin');
  assert.equal(
    Buffer.from(hit.body.message.parts[0].content, 'base64').toString(),
    'hello from the CLI',
  );

  const queued = await json(['queue', 'list', '--status', 'S']);
  assert.ok(queued.some((d: any) => d.id === id));
  const table = await switchboard(['queue', 'list', '--subscriber', 'tel:+15550001']);
  assert.match(
    table.stdout,
    /^ID\s+STATUS\s+PRIORITY\s+KIND\s+RECIPIENT\s+ATTEMPTS\s+NEXT\s+LAST ERROR/,
  );
  assert.match(
    table.stdout,
    new RegExp(`${id}\\s+S\\s+normal\\s+message\\s+tel:\\+4930111222\\s+1/`),
  );

  const csv = await switchboard(['cdr', 'export']);
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\r\n');
  assert.equal(
    lines[0],
    'id,deliveryId,subscriberId,resourceId,destination,attempt,result,unit,units,rate,cost,currency,startedAt,endedAt',
  );
  const row = lines.find((l) => l.includes(id));
  assert.ok(row, 'a CDR row for the delivery');
  assert.match(row, /,tel:\+4930111222,1,sent,message,1,0\.05,0\.05,EUR,/);

  const out = join(mkdtempSync(join(tmpdir(), 'switchboard-cdr-')), 'cdrs.json');
  const written = await switchboard([
    'cdr',
    'export',
    '--format',
    'json',
    '--subscriber',
    'tel:+15550001',
    '--from',
    '2000-01-01',
    '-o',
    out,
  ]);
  assert.match(written.stdout, /^wrote 1 records to /);
  const doc = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(doc.cdrs[0].deliveryId, id);
  assert.equal(doc.cdrs[0].cost, 0.05);
  rmSync(out);
  const future = JSON.parse(
    (await switchboard(['cdr', 'export', '--format', 'json', '--from', '2999-01-01'])).stdout,
  );
  assert.deepEqual(future.cdrs, []);

  // The sender gets a receipt in their inbox.
  const session = await new Client(server.url).post('/api/v1/sessions', {
    address: 'tel:+15550001',
    password: 'Ann long password',
  });
  const mine = new Client(server.url, session.body.token);
  const deadline = Date.now() + 10_000;
  let subjects: string[] = [];
  while (Date.now() < deadline && !subjects.includes('Delivered: Hello Berlin')) {
    subjects = (await mine.get('/api/v1/messages?folder=inbox')).body.messages.map(
      (m: any) => m.subject,
    );
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(subjects.includes('Delivered: Hello Berlin'), `inbox: ${subjects.join(', ')}`);
});

test('a spend limit fails a delivery; queue retry sends it once the limit is lifted', async () => {
  const bob = await json([
    'subscriber',
    'add',
    '--name',
    'Bob',
    '--address',
    'tel:+15550002',
    '--password',
    'Bob long password',
    '--spend-limit',
    '0.04',
  ]);
  assert.equal(bob.spendLimit, 0.04);
  const sent = await json([
    'send',
    '--from',
    'tel:+15550002',
    '--to',
    'tel:+4930111444',
    '--text',
    'hi',
  ]);
  const id = sent.deliveries[0].id;
  const failed = await waitFor(id, (d) => d.status === 'F', 'F');
  assert.match(failed.lastError, /spend limit reached/);
  assert.equal(sentTo('tel:+4930111444').length, 0);

  const lifted = await json(['subscriber', 'set', 'tel:+15550002', '--spend-limit', 'unlimited']);
  assert.equal(lifted.spendLimit, null);
  const retried = await switchboard(['queue', 'retry', id]);
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stdout, new RegExp(`^retrying ${id} R to tel:\\+4930111444`));
  await waitFor(id, (d) => d.status === 'S', 'S');
  assert.equal(sentTo('tel:+4930111444').length, 1);

  const again = await switchboard(['queue', 'retry', id]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /^switchboard: 409 .*only P, H, D, R, F and E can be retried/);
});

test('a disabled resource holds deliveries; enabling it releases them', async () => {
  const disabled = await switchboard(['resources', 'set', 'hooks', '--disable']);
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.match(
    disabled.stdout,
    /^updated webhook resource hooks .*: I \(disabled by an operator\)/,
  );
  const [hooks] = await json(['resources', 'list']);
  assert.equal(hooks.status, 'I');
  assert.equal(hooks.statusReason, 'disabled by an operator');

  const sent = await json([
    'send',
    '--from',
    'tel:+15550001',
    '--to',
    'tel:+4930111555',
    '--text',
    'later',
  ]);
  const id = sent.deliveries[0].id;
  const held = await waitFor(id, (d) => d.status === 'H', 'H');
  assert.equal(held.holdReason, 'no-resource');
  const heldList = await json(['queue', 'list', '--status', 'H']);
  assert.deepEqual(
    heldList.map((d: any) => d.id),
    [id],
  );
  const table = await switchboard(['queue', 'list', '--status', 'h']);
  assert.match(table.stdout, new RegExp(`${id}\\s+H \\(no-resource\\)`));
  // Held already: hold is refused with the server's reason.
  const rehold = await switchboard(['queue', 'hold', id]);
  assert.equal(rehold.code, 2);
  assert.match(rehold.stderr, /409 .*only P, D and R can be held/);

  const enabled = await json(['resources', 'set', 'hooks', '--enable']);
  assert.equal(enabled.status, 'A');
  assert.equal(enabled.statusReason, null);
  // Enabling a resource releases what was held for want of one: no retry needed.
  await waitFor(id, (d) => d.status === 'S', 'S');
  assert.equal(sentTo('tel:+4930111555').length, 1);
});

test('queue hold keeps a waiting delivery until queue retry', async () => {
  const scheduledAt = new Date(Date.now() + 3600_000).toISOString();
  const answer = await admin.post('/api/v1/messages', {
    from: 'tel:+15550001',
    to: ['tel:+4930111666'],
    text: 'scheduled for later',
    scheduledAt,
    priority: 'high',
  });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  const id = answer.body.deliveries[0].id;
  await waitFor(id, (d) => d.status === 'P', 'P');

  const held = await json(['queue', 'hold', id]);
  assert.equal(held.status, 'H');
  assert.equal(held.holdReason, 'operator');
  // Enabling resources releases only no-resource holds; an operator's hold stays.
  await json(['resources', 'set', 'hooks', '--enable']);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await admin.get(`/api/v1/deliveries/${id}`)).body.status, 'H');

  const retried = await switchboard(['queue', 'retry', id]);
  assert.equal(retried.code, 0, retried.stderr);
  await waitFor(id, (d) => d.status === 'S', 'S');
  const [hit] = sentTo('tel:+4930111666');
  assert.equal(hit!.body.delivery.priority, 'high');
});

test('resources set changes one setting and keeps the rest; bad input is refused clearly', async () => {
  const updated = await json([
    'resources',
    'set',
    'hooks',
    '--timeout-ms',
    '5000',
    '--rate',
    '+49=0.07',
    '--channels',
    '3',
  ]);
  assert.deepEqual(updated.config, { url: hookUrl, timeoutMs: 5000 });
  assert.deepEqual(updated.rates, [{ prefix: '+49', price: 0.07 }]);
  assert.equal(updated.channels, 3);

  for (const rate of ['49:0.05', '+49=cheap']) {
    const bad = await switchboard([
      'resources',
      'add',
      '--type',
      'webhook',
      '--name',
      'bad',
      '--url',
      hookUrl,
      '--rate',
      rate,
    ]);
    assert.notEqual(bad.code, 0, `--rate ${rate} was accepted`);
    assert.match(bad.stderr, /--rate .*expected PREFIX=PRICE/);
  }
  const none = await switchboard(['resources', 'set', 'nosuch', '--disable']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^switchboard: no resource named nosuch/);
  const noUrl = await switchboard(['resources', 'add', '--type', 'webhook', '--name', 'nourl']);
  assert.equal(noUrl.code, 2);
  assert.match(noUrl.stderr, /400 .*config\.url/);
  const dup = await switchboard([
    'resources',
    'add',
    '--type',
    'webhook',
    '--name',
    'hooks',
    '--url',
    hookUrl,
  ]);
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /409 .*hooks exists already/);
  const badStatus = await switchboard(['queue', 'list', '--status', 'Q']);
  assert.notEqual(badStatus.code, 0);
  assert.match(badStatus.stderr, /expected one of P H D R X A S F E/);
  const badSpend = await switchboard([
    'subscriber',
    'set',
    'tel:+15550001',
    '--spend-limit',
    'lots',
  ]);
  assert.equal(badSpend.code, 1);
  assert.match(badSpend.stderr, /"lots" is not an amount/);
});

test('an SMTP resource from the CLI: smarthost settings in its config, the password write-only', async () => {
  const added = await json([
    'resources',
    'add',
    '--type',
    'smtp',
    '--name',
    'relay',
    '--host',
    'smtp.example.test',
    '--port',
    '587',
    '--user',
    'switchboard',
    '--secret',
    'pw-123',
    '--rate',
    'mailto:=0',
  ]);
  assert.equal(added.type, 'smtp');
  assert.deepEqual(added.config, { host: 'smtp.example.test', port: 587, user: 'switchboard' });
  assert.equal(added.hasSecret, true);
  assert.ok(!JSON.stringify(added).includes('pw-123'), 'the password never comes back');
  const weak = await switchboard([
    'resources',
    'add',
    '--type',
    'webhook',
    '--name',
    'weak',
    '--url',
    hookUrl,
    '--secret',
    'short',
  ]);
  assert.notEqual(weak.code, 0);
  assert.match(weak.stderr, /a webhook secret needs 16 characters or more/);
});
