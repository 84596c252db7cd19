import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { audioFrame, IvmClient } from './ivm-client.js';
import { speechPackets } from './ivm-ogg.js';

/**
 * Bad input on the voice messenger's WebSocket: each bad frame gets an error object or a close
 * with a reason, and the server goes on serving everyone else.
 */
let server: ServerProcess;
let dir: string;
let annToken: string;
let bobToken: string;
const open: IvmClient[] = [];

async function connect(token: string, device: string) {
  const { client } = await IvmClient.connect(server.url, token, device);
  open.push(client);
  return client;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ivm-bad-'));
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_IVM_MAX_FRAME_BYTES: '65536',
    SWITCHBOARD_IVM_MAX_SECONDS: '2',
    // Pings every second: a peer that stops answering is gone within a few.
    SWITCHBOARD_IVM_HEARTBEAT_SECONDS: '1',
  });
  const ann = await subscriberClient(server, { name: 'Ann', addresses: ['mailto:ann@a.test'] });
  const bob = await subscriberClient(server, { name: 'Bob', addresses: ['mailto:bob@a.test'] });
  annToken = ann.client.token!;
  bobToken = bob.client.token!;
  const a = await connect(annToken, 'a');
  const b = await connect(bobToken, 'b');
  await a.request({ action: 'subscribe', destination: 'ivm:bob@a.test' });
  await b.request({ action: 'subscribe', destination: 'ivm:ann@a.test' });
  a.close();
  b.close();
});

after(async () => {
  for (const c of open) c.terminate();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const errorOf = async (client: IvmClient, send: () => void, what: string) => {
  const from = client.frames.length;
  send();
  return client.waitFor((f) => f.action === 'error', what, 10_000, from);
};

test('bad text frames get error objects; an oversized one closes 1009', async () => {
  // Never connects: closed after 10 s (checked at the end, while the rest runs).
  const silent = await IvmClient.open(server.url, annToken);
  open.push(silent);
  const openedAt = Date.now();
  const a = await connect(annToken, 'a');
  const cases: Array<[string, string]> = [
    ['this is not json', 'bad-json'],
    ['[1,2,3]', 'bad-json'],
    ['42', 'bad-json'],
    ['{"action":"teleport","id":"x1"}', 'unknown-action'],
    ['{"action":"status","object":{"status":"sleeping"}}', 'invalid'],
    ['{"action":"post","id":"p","destination":"ivm:bob@a.test","object":{"stream":-1}}', 'invalid'],
    ['{"action":"control","object":{"command":"played","message":"nope"}}', 'unknown'],
  ];
  for (const [text, code] of cases) {
    const e = await errorOf(a, () => a.sendRaw(text), text);
    assert.equal(e.object.code, code, text);
    assert.equal(typeof e.object.message, 'string');
  }
  const x1 = a.frames.find((f) => f.object?.code === 'unknown-action')!;
  assert.equal(x1.id, 'x1', 'the id is echoed');
  const pong = await a.request({ action: 'ping' });
  assert.equal(pong.object.pong, true, 'the connection still works');

  const big = await connect(annToken, 'big');
  big.sendRaw(JSON.stringify({ action: 'ping', object: { pad: 'x'.repeat(70_000) } }));
  assert.equal((await big.waitClosed()).code, 1009);

  const closed = await silent.waitClosed(20_000);
  assert.equal(closed.code, 4408);
  assert.ok(Date.now() - openedAt >= 9000, 'after the connect timeout');
  a.close();
});

test('bad binary frames: oversized, short, unknown stream, out of order', async () => {
  const packets = speechPackets(dir, 'one two three four five');
  const a = await connect(annToken, 'a');
  const b = await connect(bobToken, 'b');
  const big = await errorOf(a, () => a.sendRaw(Buffer.alloc(2000, 1)), 'oversized binary');
  assert.equal(big.object.code, 'too-large');
  const short = await errorOf(a, () => a.sendRaw(Buffer.alloc(5)), 'short binary');
  assert.equal(short.object.code, 'invalid');
  const stray = await errorOf(a, () => a.sendRaw(audioFrame(77, 0, packets[0]!)), 'unknown stream');
  assert.equal(stray.object.code, 'unknown-stream');
  const opened = await a.request({
    action: 'post',
    id: 'ooo',
    destination: 'ivm:bob@a.test',
    object: { stream: 3, mode: 'intercom' },
  });
  assert.equal(opened.object.state, 'open');
  for (let i = 0; i < 20; i++) a.sendRaw(audioFrame(3, i, packets[i]!));
  const late = await errorOf(a, () => a.sendRaw(audioFrame(3, 10, packets[10]!)), 'out of order');
  assert.equal(late.object.code, 'out-of-order');
  a.sendRaw(audioFrame(3, 5, packets[5]!));
  for (let i = 20; i < 40; i++) a.sendRaw(audioFrame(3, i, packets[i]!));
  const endAt = a.frames.length;
  a.send({ action: 'control', object: { command: 'end', stream: 3 } });
  const stored = await a.waitFor(
    (f) => f.id === 'ooo' && f.object.state === 'stored',
    'stored',
    60_000,
    endAt,
  );
  assert.ok(
    Math.abs(stored.object.durationMs - 800) < 150,
    `${stored.object.durationMs} ms: frames out of order were dropped`,
  );
  await b.waitUntil(() => b.audio.length === 40, 'the 40 frames in order');
  assert.deepEqual(
    b.audio.map((f) => f.sequence),
    Array.from({ length: 40 }, (_, i) => i),
  );
  assert.equal(
    a.frames.filter((f) => f.object?.code === 'out-of-order').length,
    1,
    'told once a second at most',
  );
  a.close();
  b.close();
});

test('a control flood is rate-limited, then closed 4429; too many errors close 4400; others are served', async () => {
  const flood = await connect(annToken, 'flood');
  const other = await connect(bobToken, 'other');
  const started = Date.now();
  const timer = setInterval(() => {
    if (flood.closed) return;
    for (let i = 0; i < 3; i++) flood.sendRaw('{"action":"ping"}');
  }, 10);
  try {
    const closed = await flood.waitClosed(20_000);
    assert.equal(closed.code, 4429);
    assert.match(closed.reason, /flood/);
    assert.ok(Date.now() - started >= 4000, 'after five seconds of flooding');
  } finally {
    clearInterval(timer);
  }
  assert.ok(
    flood.frames.some((f) => f.object?.code === 'rate-limited'),
    'rate-limited first',
  );
  const limited = flood.frames.filter((f) => f.object?.code === 'rate-limited').length;
  assert.ok(limited <= 8, `rate-limited told at most once a second (${limited})`);

  const noisy = await connect(annToken, 'noisy');
  for (let i = 0; i < 25; i++) noisy.sendRaw('garbage');
  assert.equal((await noisy.waitClosed()).code, 4400);

  const pong = await other.request({ action: 'ping' });
  assert.equal(pong.object.pong, true, 'another client was served all along');
  assert.equal((await new Client(server.url).get('/healthz')).status, 200);
  assert.equal(server.child!.exitCode, null, 'the server is still running');
  other.close();
});

test('a stream over the time limit is ended by the server and stored as far as it went', async () => {
  const packets = speechPackets(
    dir,
    'This sentence runs on for a little longer than two seconds.',
    'long',
  );
  assert.ok(packets.length > 120, `${packets.length} packets`);
  const a = await connect(annToken, 'a');
  await a.request({
    action: 'post',
    id: 'too-long',
    destination: 'ivm:bob@a.test',
    object: { stream: 4, mode: 'record' },
  });
  for (let i = 0; i < packets.length; i++) a.sendRaw(audioFrame(4, i, packets[i]!));
  const stored = await a.waitFor(
    (f) => f.id === 'too-long' && f.object.state === 'stored',
    'the stored ack',
    60_000,
  );
  assert.equal(stored.object.truncated, true);
  assert.ok(Math.abs(stored.object.durationMs - 2000) < 200, `${stored.object.durationMs} ms`);
  const end = await a
    .request({ action: 'control', object: { command: 'end', stream: 4 } }, 3000)
    .catch(() => null);
  assert.equal(end, null, 'the late end is let go quietly');
  assert.ok(!a.frames.some((f) => f.object?.code === 'unknown-stream'), 'late frames too');
  a.close();
});

test('a peer that answers no pings is closed 4408 and goes offline for its contacts', async () => {
  const a = await connect(annToken, 'watcher');
  const from = a.frames.length;
  const dead = await IvmClient.open(server.url, bobToken, {}, false);
  open.push(dead);
  const session = await dead.request({ action: 'connect', object: { device: 'dead' } });
  assert.equal(session.object.heartbeatSeconds, 1);
  await a.waitFor(
    (f) =>
      f.action === 'status' && f.source === 'ivm:bob@a.test' && f.object.status === 'available',
    'Bob online',
    5000,
    from,
  );
  const closed = await dead.waitClosed(10_000);
  assert.equal(closed.code, 4408);
  await a.waitFor(
    (f) => f.action === 'status' && f.source === 'ivm:bob@a.test' && f.object.status === 'offline',
    'Bob offline',
    5000,
    from,
  );
  // A live peer (ws answers pings by itself) stays, idle as it is.
  await new Promise((r) => setTimeout(r, 3500));
  assert.equal(a.closed, null);
  a.close();
});

test('a device whose session ends (sign-out, deactivated account) is closed 4401; the others stay', async () => {
  // A second sign-in of Ann's: her other devices keep their own session.
  const signIn = await new Client(server.url).post('/api/v1/sessions', {
    address: 'ann@a.test',
    password: 'Ann long password',
  });
  assert.equal(signIn.status, 201);
  const phone = await connect(signIn.body.token, 'phone');
  const desk = await connect(annToken, 'desk');
  const signOut = await new Client(server.url, signIn.body.token).delete(
    '/api/v1/sessions/current',
  );
  assert.equal(signOut.status, 204);
  const closed = await phone.waitClosed(5000);
  assert.equal(closed.code, 4401);
  assert.match(closed.reason, /session ended/);
  await assert.rejects(
    IvmClient.open(server.url, signIn.body.token),
    (err: { status?: number }) => err.status === 401,
    'the ended session cannot open a new socket either',
  );
  // Deactivating an account ends its sockets too.
  const cid = await subscriberClient(server, { name: 'Cid', addresses: ['mailto:cid@a.test'] });
  const cidDevice = await connect(cid.client.token!, 'cid');
  const admin = new Client(server.url, ADMIN_TOKEN);
  assert.equal(
    (await admin.patch(`/api/v1/subscribers/${cid.id}`, { status: 'inactive' })).status,
    200,
  );
  assert.equal((await cidDevice.waitClosed(5000)).code, 4401);
  // Ann's desk, on its own session, heard nothing of either.
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(desk.closed, null);
  assert.deepEqual(await desk.request({ action: 'ping' }).then((f) => f.action), 'ping');
  desk.close();
});
