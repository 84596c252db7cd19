import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';

let server: ServerProcess;
let ann: { client: Client; id: string };
let admin: Client;

before(async () => {
  server = await ServerProcess.start({ SWITCHBOARD_MAX_MESSAGE_BYTES: '64k' });
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['tel:+15550001', 'mailto:ann@localhost'],
  });
  await subscriberClient(server, { name: 'Bob', addresses: ['tel:+15550002'] });
  admin = new Client(server.url, ADMIN_TOKEN);
});
after(() => server.dispose());

/** Everything a mailbox and the directory hold, to show a refusal wrote nothing. */
async function snapshot() {
  const subscribers = (await admin.get('/api/v1/subscribers')).body.subscribers.map((s: any) => [
    s.id,
    s.messageCount,
    s.usedBytes,
  ]);
  const messages = (await ann.client.get('/api/v1/messages?limit=500')).body.messages.length;
  return { subscribers, messages };
}

function expectProblem(
  answer: { status: number; headers: Headers; body: any },
  status: number,
  kind: string,
) {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.headers.get('content-type')!, /^application\/problem\+json/);
  assert.equal(answer.body.type, `urn:switchboard:problem:${kind}`);
  assert.equal(answer.body.status, status);
  assert.ok(answer.body.detail.length > 0, 'the detail says what is wrong');
}

test('bad requests get problem details, write nothing, and the server keeps serving', async () => {
  const before = await snapshot();
  const cases: Array<[string, () => Promise<any>, number, string]> = [
    [
      'malformed JSON',
      () => ann.client.post('/api/v1/messages', '{"to": ["tel:+15550002"], "text": '),
      400,
      'invalid',
    ],
    [
      'not JSON at all',
      () => ann.client.post('/api/v1/messages', 'hello', { 'content-type': 'text/plain' }),
      415,
      'unsupported-media-type',
    ],
    [
      'an unknown field',
      () =>
        ann.client.post('/api/v1/messages', { to: ['tel:+15550002'], text: 'x', colour: 'red' }),
      400,
      'invalid',
    ],
    [
      'a wrong type',
      () => ann.client.post('/api/v1/messages', { to: 'tel:+15550002', text: 'x' }),
      400,
      'invalid',
    ],
    [
      'no recipients',
      () => ann.client.post('/api/v1/messages', { to: [], text: 'x' }),
      400,
      'invalid',
    ],
    [
      'a bad address',
      () => ann.client.post('/api/v1/messages', { to: ['tel:not-a-number'], text: 'x' }),
      400,
      'invalid',
    ],
    [
      'another bad address',
      () => ann.client.post('/api/v1/messages', { to: ['gopher://x'], text: 'x' }),
      400,
      'invalid',
    ],
    [
      'bad base64',
      () =>
        ann.client.post('/api/v1/messages', {
          to: ['tel:+15550002'],
          attachments: [{ filename: 'a', contentType: 'text/plain', content: '!!!' }],
        }),
      400,
      'invalid',
    ],
    [
      'an oversize body',
      () =>
        ann.client.post('/api/v1/messages', { to: ['tel:+15550002'], text: 'x'.repeat(200_000) }),
      413,
      'too-large',
    ],
    [
      'a message over the size limit',
      () =>
        ann.client.post('/api/v1/messages', { to: ['tel:+15550002'], text: 'x'.repeat(70_000) }),
      413,
      'too-large',
    ],
    [
      'an unknown id',
      () => ann.client.get('/api/v1/messages/01a214e2-4e38-7462-9685-9a5611f2a864'),
      404,
      'not-found',
    ],
    ['a malformed id', () => ann.client.get('/api/v1/messages/123'), 400, 'invalid'],
    [
      'an unknown part',
      () => ann.client.get('/api/v1/messages/01a214e2-4e38-7462-9685-9a5611f2a864/parts/9'),
      404,
      'not-found',
    ],
    ['an unknown route', () => ann.client.get('/api/v1/nothing-here'), 404, 'not-found'],
    [
      'an unknown folder name that is not valid',
      () => ann.client.get('/api/v1/messages?folder=' + 'x'.repeat(100)),
      400,
      'invalid',
    ],
    [
      'an unknown query parameter',
      () => ann.client.get('/api/v1/messages?colour=red'),
      400,
      'invalid',
    ],
    [
      'a bad token',
      () => new Client(server.url, 'nonsense').get('/api/v1/messages'),
      401,
      'unauthorized',
    ],
    [
      'a wrong password',
      () =>
        new Client(server.url).post('/api/v1/sessions', {
          address: 'tel:+15550001',
          password: 'wrong one!',
        }),
      401,
      'unauthorized',
    ],
    [
      'a duplicate address',
      () => admin.post('/api/v1/subscribers', { name: 'Eve', addresses: ['tel:+15550001'] }),
      409,
      'conflict',
    ],
    [
      'an unknown subscriber',
      () => admin.patch('/api/v1/subscribers/01a214e2-4e38-7462-9685-9a5611f2a864', { name: 'X' }),
      404,
      'not-found',
    ],
    [
      'a bad time zone',
      () =>
        admin.post('/api/v1/subscribers', {
          name: 'Tz',
          addresses: ['tel:+15550077'],
          timeZone: 'Mars/Olympus',
        }),
      400,
      'invalid',
    ],
    [
      'a negative quota',
      () =>
        admin.post('/api/v1/subscribers', {
          name: 'Q',
          addresses: ['tel:+15550078'],
          quotaBytes: -5,
        }),
      400,
      'invalid',
    ],
    [
      'an import that lies about its size',
      () =>
        ann.client.post('/api/v1/messages/import', {
          format: 'switchboard.message/1',
          message: {
            id: 'x',
            type: 'text',
            folder: 'inbox',
            from: 'tel:+15550002',
            to: ['tel:+15550001'],
            subject: null,
            read: false,
            urgent: false,
            createdAt: '2026-01-01T00:00:00.000Z',
            accessedAt: null,
            expiresAt: null,
            size: 4,
            durationMs: null,
            pages: null,
          },
          parts: [
            {
              index: 1,
              contentType: 'text/plain',
              filename: null,
              disposition: 'inline',
              size: 99,
              sha256: '0'.repeat(64),
              derivedFrom: null,
              converter: null,
              content: 'aGk=',
            },
          ],
        }),
      400,
      'invalid',
    ],
  ];
  for (const [name, run, status, kind] of cases) {
    await test(name, async () => expectProblem(await run(), status, kind));
  }
  assert.deepEqual(await snapshot(), before, 'nothing was written');
  const ok = await ann.client.post('/api/v1/messages', {
    to: ['tel:+15550002'],
    text: 'still serving',
  });
  assert.equal(ok.status, 201);
});

test('a request cut off mid-body does not hurt the server', async () => {
  const url = new URL('/api/v1/messages', server.url);
  await new Promise<void>((resolve) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': '1000',
        authorization: `Bearer ${ann.client.token}`,
      },
    });
    req.on('error', () => resolve());
    req.write('{"to": ["tel:+155');
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 100);
  });
  assert.deepEqual((await new Client(server.url).get('/healthz')).body, { status: 'ok' });
});
