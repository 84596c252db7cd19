import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { spokenWav } from './sip-fixtures.js';

/**
 * The SMS network through an HTTP provider: a fake provider (node:http) takes texts as JSON with
 * a bearer token and answers with its message ids, and calls Switchboard's webhooks the way a
 * real one would, signed with the webhook secret: statuses end deliveries that wait for them (S
 * or F), incoming SMS land in the mailbox of the number they were sent to, or are reply commands
 * when they come from a subscriber to the notice number. Unsigned and forged webhooks are refused
 * and change nothing; a throttled (429) text is sent again.
 */
const API_TOKEN = 'api-token-0123';
const WEBHOOK_SECRET = 'whsec-0123456789';
const NOTICES_FROM = '+15559900';

interface Sent {
  authorization: string | undefined;
  contentType: string | undefined;
  body: Record<string, string>;
  id: string;
}

/** A provider's REST API: records each text, answers `{messages: [{id}]}` or 429 when told. */
class FakeProvider {
  readonly sent: Sent[] = [];
  throttle = 0;
  /** Calls the status webhook by itself with this status after taking a text (null: not). */
  autoStatus: string | null = null;
  webhookUrl = '';
  private server: Server | null = null;
  private next = 1;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void read(req).then((raw) => {
        if (this.throttle > 0) {
          this.throttle -= 1;
          res.writeHead(429, { 'content-type': 'application/json' });
          res.end('{"error":"too many requests"}');
          return;
        }
        const id = `MSG-${String(this.next++).padStart(6, '0')}`;
        const type = req.headers['content-type'] ?? '';
        const body = (
          type.startsWith('application/x-www-form-urlencoded')
            ? Object.fromEntries(new URLSearchParams(raw.toString('utf8')))
            : JSON.parse(raw.toString('utf8'))
        ) as Sent['body'];
        this.sent.push({
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body,
          id,
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ messages: [{ id, status: 'queued' }] }));
        const status = this.autoStatus;
        if (status) setTimeout(() => void this.callback('status', { id, status }), 50);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/messages`;
    return this;
  }

  texts(to: string): string[] {
    return this.sent.filter((s) => s.body.to === to).map((s) => s.body.text ?? '');
  }

  /** Calls one of our webhooks as the provider does: JSON, signed with the webhook secret. */
  callback(kind: 'status' | 'inbound', payload: object, secret = WEBHOOK_SECRET) {
    const body = JSON.stringify(payload);
    const signature = createHmac('sha256', secret).update(body).digest('hex');
    return post(`${this.webhookUrl}/${kind}`, body, { 'x-signature': `sha256=${signature}` });
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

const read = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: text ? JSON.parse(text) : null,
  };
}

let formProviderId = '';
let server: ServerProcess;
let admin: Client;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };
let provider: FakeProvider;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-sms-http-'));
let speech: Buffer;

before(async () => {
  speech = readFileSync(spokenWav(dir, 'bob', 'Hello Ann, the crane arrives on Tuesday.'));
  provider = await new FakeProvider().start();
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '500',
    SWITCHBOARD_DELIVERY_RETRY_MAX_MS: '1000',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  admin = new Client(server.url, ADMIN_TOKEN);
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['tel:+15550001'],
    language: 'en',
    notificationPreferences: { rules: [{ messageType: 'voice', channels: ['sms'] }] },
  });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['tel:+15550002'] });
  const created = await admin.post('/api/v1/resources', {
    name: 'provider',
    type: 'sms',
    config: {
      protocol: 'http',
      url: provider.url,
      messageIdPath: 'messages.0.id',
      sourceAddr: NOTICES_FROM,
      statusWebhooks: true,
      receiptSeconds: 30,
    },
    secret: JSON.stringify({ token: API_TOKEN, webhookSecret: WEBHOOK_SECRET }),
    channels: 4,
    rates: [
      { prefix: '+1555', price: 0.05 },
      { prefix: '+4930', price: 0.07 },
    ],
    messageTypes: ['*'],
    currency: 'EUR',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  provider.webhookUrl = `${server.url}/api/v1/sms/webhooks/${created.body.id}`;
  // The same provider's other API: form fields, basic auth, bare digits, we split long texts,
  // no status webhooks, and incoming SMS with a token in the URL. Only for +4940.
  const form = await admin.post('/api/v1/resources', {
    name: 'provider-form',
    type: 'sms',
    config: {
      protocol: 'http',
      url: provider.url,
      bodyFormat: 'form',
      auth: 'basic',
      username: 'acme',
      numberFormat: 'digits',
      fromField: 'From',
      toField: 'To',
      textField: 'Body',
      providerSplits: false,
      sourceAddr: '+15559901',
      webhookAuth: 'url-token',
      inboundFromField: 'From',
      inboundToField: 'To',
      inboundTextField: 'Body',
    },
    secret: 'form-secret-1',
    rates: [{ prefix: '+4940', price: 0.01 }],
    messageTypes: ['*'],
    currency: 'EUR',
  });
  assert.equal(form.status, 201, JSON.stringify(form.body));
  formProviderId = form.body.id;
  const bad = await admin.post('/api/v1/resources', {
    name: 'provider-bad',
    type: 'sms',
    config: { protocol: 'http', url: 'ftp://x', sourceAddr: NOTICES_FROM },
  });
  assert.equal(bad.status, 400);
  assert.match(bad.body.detail, /config\.url/);
});

after(async () => {
  await server?.dispose();
  await provider?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const delivery = async (id: string) => (await admin.get(`/api/v1/deliveries/${id}`)).body;
const nextText = (to: string, seen: number, what: string) =>
  eventually(async () => provider.texts(to)[seen], what, 30_000);
const inbox = async () =>
  (await ann.client.get('/api/v1/messages?type=sms')).body.messages as any[];

test('a notice goes to the provider with its token; forged statuses change nothing, the signed one makes it S; S from Ann saves the message', async () => {
  const sent = await bob.client.post('/api/v1/messages', {
    to: ['tel:+15550001'],
    type: 'voice',
    subject: 'Crane',
    attachments: [
      { filename: 'bob.wav', contentType: 'audio/wav', content: speech.toString('base64') },
    ],
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const messageId = sent.body.copies.find((c: any) => c.address === 'tel:+15550001').messageId;
  const notice = await nextText('+15550001', 0, 'the SMS notice');
  assert.match(notice, /^New voice message from \+15550002 .* \(code (\d{6})\)\.$/);
  const request = provider.sent.find((s) => s.body.to === '+15550001')!;
  assert.equal(request.authorization, `Bearer ${API_TOKEN}`);
  assert.equal(request.contentType, 'application/json');
  assert.equal(request.body.from, NOTICES_FROM);

  const deliveries = (await admin.get(`/api/v1/deliveries?messageId=${messageId}`)).body
    .deliveries as any[];
  const noticeDelivery = deliveries.find((d) => d.kind === 'notification');
  await eventually(
    async () => (await delivery(noticeDelivery.id)).status === 'A' || undefined,
    'the notice to wait (A) for its status',
  );

  // Unsigned, signed with another secret, a signature of another body: refused, nothing changes.
  const status = JSON.stringify({ id: request.id, status: 'delivered' });
  const unsigned = await post(`${provider.webhookUrl}/status`, status);
  assert.equal(unsigned.status, 401);
  assert.match(unsigned.type ?? '', /^application\/problem\+json/);
  assert.equal(unsigned.body.type, 'urn:switchboard:problem:unauthorized');
  const otherSecret = await provider.callback(
    'status',
    { id: request.id, status: 'delivered' },
    'not-the-secret',
  );
  assert.equal(otherSecret.status, 401);
  const otherBody = createHmac('sha256', WEBHOOK_SECRET).update('{}').digest('hex');
  const forged = await post(`${provider.webhookUrl}/status`, status, { 'x-signature': otherBody });
  assert.equal(forged.status, 401);
  const hook = provider.webhookUrl;
  provider.webhookUrl = `${server.url}/api/v1/sms/webhooks/no-such-resource`;
  const unknown = await provider.callback('status', { id: request.id, status: 'delivered' });
  provider.webhookUrl = hook;
  assert.equal(unknown.status, 401, 'no resource: the same answer as a forgery');
  const interim = await provider.callback('status', { id: request.id, status: 'sent' });
  assert.deepEqual([interim.status, interim.body], [200, { status: 'ignored' }], 'interim');
  assert.equal((await delivery(noticeDelivery.id)).status, 'A', 'nothing changed');
  assert.match(server.output, /SMS webhook refused/);

  const delivered = await provider.callback('status', { id: request.id, status: 'delivered' });
  assert.deepEqual([delivered.status, delivered.body], [200, { status: 'accepted' }]);
  const done = await delivery(noticeDelivery.id);
  assert.equal(done.status, 'S');

  // Ann answers S from her phone to the notice number: the message is saved, "Saved." comes back.
  const code = /code (\d{6})/.exec(notice)![1]!;
  provider.autoStatus = 'delivered';
  const reply = await provider.callback('inbound', {
    from: '+15550001',
    to: NOTICES_FROM,
    text: `S ${code}`,
  });
  assert.deepEqual([reply.status, reply.body], [200, { status: 'accepted' }]);
  assert.equal(await nextText('+15550001', 1, 'the confirmation'), 'Saved.');
  assert.equal((await ann.client.get(`/api/v1/messages/${messageId}`)).body.folder, 'saved');
  assert.equal(
    (await inbox()).filter((m) => m.from === 'tel:+15550001').length,
    0,
    'a command is not stored as an SMS',
  );
  provider.autoStatus = null;
});

test('an incoming SMS lands in the mailbox of the number it was sent to; an unsigned one does not; one for nobody is refused', async () => {
  const unsigned = await post(
    `${provider.webhookUrl}/inbound`,
    JSON.stringify({ from: '+4930777', to: '+15550001', text: 'forged' }),
  );
  assert.equal(unsigned.status, 401);
  const taken = await provider.callback('inbound', {
    from: '+4930777',
    to: '+15550001',
    text: 'Hello Ann, this is the crane driver.',
  });
  assert.deepEqual([taken.status, taken.body], [200, { status: 'accepted' }]);
  const messages = await inbox();
  const sms = messages.find((m) => m.from === 'tel:+4930777');
  assert.ok(sms, 'in Ann’s inbox');
  assert.equal(
    messages.filter((m) => m.from === 'tel:+4930777').length,
    1,
    'the forged one is not',
  );
  const part = sms.parts.find((p: any) => p.contentType.startsWith('text/plain'));
  const text = await ann.client.get(`/api/v1/messages/${sms.id}/parts/${part.index}`);
  assert.equal(String(text.body), 'Hello Ann, this is the crane driver.');

  const nobody = await provider.callback('inbound', {
    from: '+4930777',
    to: '+4930888',
    text: 'relay me',
  });
  assert.equal(nobody.status, 422, 'never relayed onward');
  const unreadable = await provider.callback('inbound', { from: '+4930777', text: 'no to' });
  assert.equal(unreadable.status, 400);
  assert.match(unreadable.type ?? '', /^application\/problem\+json/);
  const huge = await provider.callback('inbound', {
    from: '+4930777',
    to: '+15550001',
    text: 'x'.repeat(70_000),
  });
  assert.equal(huge.status, 413, 'over SWITCHBOARD_SMS_WEBHOOK_MAX_BYTES');
  const xml = await post(`${provider.webhookUrl}/inbound`, '<sms/>', {
    'content-type': 'text/xml',
  });
  assert.equal(xml.status, 415);
  assert.equal(
    (await inbox()).filter((m) => m.from === 'tel:+4930777').length,
    1,
    'none of these stored anything',
  );
  const openapi = (await admin.get('/api/openapi.json')).body;
  assert.ok(openapi.paths['/api/v1/sms/webhooks/{resource}/{kind}']?.post, 'documented');
});

test('a failure status makes the delivery F; a 429 is tried again and sent', async () => {
  const send = async (to: string, text: string) => {
    const r = await ann.client.post('/api/v1/messages', { type: 'sms', to: [to], text });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.deliveries[0].id as string;
  };
  const ended = (id: string) =>
    eventually(
      async () => {
        const d = await delivery(id);
        return ['S', 'F', 'E'].includes(d.status) ? d : undefined;
      },
      `delivery ${id} to end`,
      30_000,
    );

  provider.autoStatus = 'undelivered';
  const failed = await ended(await send('+4930201', 'to nowhere'));
  assert.equal(failed.status, 'F');
  assert.match(failed.lastError, /the provider reports undelivered/);

  provider.autoStatus = 'delivered';
  provider.throttle = 1;
  const throttled = await ended(await send('+4930202', 'after a pause'));
  assert.equal(throttled.status, 'S');
  assert.match(throttled.errorLog[0].error, /the provider answered 429/);
  assert.equal(provider.texts('+4930202').length, 1, 'taken once, after the 429');
  provider.autoStatus = null;
});

test('a form provider that does not split: three requests for a long text with basic auth, S at once; its webhooks take a token in the URL', async () => {
  const long = 'The crane arrives on Tuesday at nine; meet the driver at gate four. '
    .repeat(7)
    .slice(0, 400);
  const r = await ann.client.post('/api/v1/messages', {
    type: 'sms',
    to: ['tel:+494012'],
    text: long,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.deliveries[0].id as string;
  const sent = await eventually(async () => {
    const d = await delivery(id);
    return d.status === 'S' ? d : undefined;
  }, 'the long SMS to be S without any webhook');
  assert.equal(sent.status, 'S');
  const requests = provider.sent.filter((s) => s.body.To === '494012');
  assert.equal(requests.length, 3, 'one request a part');
  assert.equal(requests.map((s) => s.body.Body).join(''), long);
  assert.ok(requests.every((s) => s.body.From === '15559901'));
  assert.ok(requests.every((s) => s.contentType === 'application/x-www-form-urlencoded'));
  assert.equal(
    requests[0]!.authorization,
    `Basic ${Buffer.from('acme:form-secret-1').toString('base64')}`,
  );

  const inbound = `${server.url}/api/v1/sms/webhooks/${formProviderId}/inbound`;
  const form = new URLSearchParams({ From: '4940555', To: '15550001', Body: 'Moin Ann' });
  const wrong = await fetch(`${inbound}?token=guess`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  assert.equal(wrong.status, 401);
  const right = await fetch(`${inbound}?token=form-secret-1`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  assert.equal(right.status, 200);
  const got = (await inbox()).filter((m) => m.from === 'tel:+4940555');
  assert.equal(got.length, 1, 'stored once: the wrong token stored nothing');
});
