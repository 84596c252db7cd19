import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { startKannel, type Kannel } from './kannel.js';

let server: ServerProcess;
let ann: { client: Client; id: string };
let kannel: Kannel;
let dlrServer: Server;
let dlrUrl = '';
const dlrs: URLSearchParams[] = [];

async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n${kannel?.logs() ?? ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  server = await ServerProcess.start({ SWITCHBOARD_LOG_LEVEL: 'info' });
  ann = await subscriberClient(server, { name: 'Ann', addresses: ['tel:+15550101'] });
  await subscriberClient(server, { name: 'Shop', addresses: ['tel:+15550199'] });
  const account = await new Client(server.url, ADMIN_TOKEN).post('/api/v1/smpp-accounts', {
    systemId: 'kannel',
    password: 'kannel-1',
    subscriber: 'tel:+15550199',
  });
  assert.equal(account.status, 201, JSON.stringify(account.body));
  // Kannel calls this with the delivery report it got (dlr-url).
  dlrServer = createServer((req, res) => {
    dlrs.push(new URL(req.url ?? '/', 'http://x').searchParams);
    res.end('ok');
  });
  await new Promise<void>((r) => dlrServer.listen(0, '127.0.0.1', r));
  dlrUrl = `http://127.0.0.1:${(dlrServer.address() as AddressInfo).port}/dlr`;
  kannel = await startKannel({
    smppPort: server.smppPort,
    systemId: 'kannel',
    password: 'kannel-1',
  });
});
after(async () => {
  await kannel?.stop();
  dlrServer?.close();
  await server?.dispose();
});

test('Kannel binds as an application, submits an SMS that lands in the mailbox, and gets its receipt', async () => {
  await until('Kannel to bind', () =>
    /"systemId":"kannel"[^\n]*"mode":"transceiver"[^\n]*SMPP bound/.test(server.output)
      ? true
      : undefined,
  );
  const text = 'Your order 42 is ready for pickup';
  const query = new URLSearchParams({
    username: kannel.user,
    password: kannel.password,
    from: '+15550199',
    to: '+15550101',
    text,
    'dlr-mask': '1',
    // %d: the report type (1 delivered), %A: the receipt text, %F: the SMSC's message id.
    'dlr-url': `${dlrUrl}?type=%d&answer=%A&id=%F`,
  });
  const sent = await fetch(`${kannel.sendsmsUrl}?${query}`);
  const body = await sent.text();
  assert.equal(sent.status, 202, body);
  assert.match(body, /Accepted for delivery/);

  const message = await until('the SMS in Ann’s mailbox', async () => {
    const list = (await ann.client.get('/api/v1/messages?type=sms')).body.messages as any[];
    return list[0];
  });
  assert.equal(message.from, 'tel:+15550199');
  assert.deepEqual(message.to, ['tel:+15550101']);
  assert.equal(message.authResults, 'switchboard; smpp-application=kannel');
  const stored = (await ann.client.get(`/api/v1/messages/${message.id}/parts/1`)).body.toString(
    'utf8',
  );
  assert.equal(stored, text);

  const dlr = await until('Kannel’s delivery report at the dlr-url', () => dlrs[0]);
  assert.equal(dlr.get('type'), '1', 'delivered');
  assert.match(dlr.get('answer') ?? '', /stat:DELIVRD/);
  assert.match(
    dlr.get('id') ?? '',
    /^[0-9a-f-]{36}$/,
    'our message id, as Kannel took it from submit_sm_resp',
  );
});
