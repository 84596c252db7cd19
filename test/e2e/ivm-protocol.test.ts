import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, ServerProcess, subscriberClient, type Client } from './harness.js';
import { IvmClient, talk } from './ivm-client.js';
import { oggPackets, probeAudio, speechPackets } from './ivm-ogg.js';

/**
 * The voice messenger against a real server with real WebSocket clients: contacts and
 * presence, an intercom message streamed live and stored for everyone, resumption, several
 * devices, receipts, and the refusals (forged source, non-contact).
 */
let server: ServerProcess;
let dir: string;
let speech: Buffer[];
type Who = { client: Client; id: string; token: string };
let ann: Who;
let bob: Who;
let cat: Who;
let dan: Who;
const open: IvmClient[] = [];

async function connect(who: Who, device: string, object: Record<string, unknown> = {}) {
  const c = await IvmClient.connect(server.url, who.token, device, object);
  open.push(c.client);
  return c;
}

async function ivmMessages(who: Who): Promise<any[]> {
  return (await who.client.get('/api/v1/messages?type=ivm&folder=inbox')).body.messages;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ivm-e2e-'));
  speech = speechPackets(dir, 'Hello Bob, this is Ann speaking on the intercom. Lunch at noon?');
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    // Small blobs would live sealed in the database; this puts the audio in a blob file to look at.
    SWITCHBOARD_INLINE_BLOB_MAX_BYTES: '512',
  });
  const add = async (name: string, addresses: string[]) => {
    const s = await subscriberClient(server, { name, addresses });
    return { ...s, token: s.client.token! };
  };
  ann = await add('Ann', ['mailto:ann@a.test']);
  bob = await add('Bob', ['mailto:bob@a.test', 'tel:+15550101']);
  cat = await add('Cat', ['ivm:cat@a.test', 'mailto:cat@a.test']);
  dan = await add('Dan', ['mailto:dan@a.test']);
});

after(async () => {
  for (const c of open) c.terminate();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('the upgrade needs a subscriber token; frames before connect are refused', async () => {
  await assert.rejects(
    IvmClient.open(server.url, null),
    (err: any) => err.status === 401 && JSON.parse(err.body).status === 401,
  );
  await assert.rejects(IvmClient.open(server.url, 'not-a-token'), (err: any) => err.status === 401);
  await assert.rejects(IvmClient.open(server.url, ADMIN_TOKEN), (err: any) => err.status === 403);
  const early = await IvmClient.open(server.url, ann.token);
  open.push(early);
  const refused = await early.request({ action: 'ping' });
  assert.equal(refused.action, 'error');
  assert.equal(refused.object.code, 'not-connected');
  const header = await IvmClient.open(server.url, null, { authorization: `Bearer ${ann.token}` });
  open.push(header);
  const session = await header.request({ action: 'connect', object: { device: 'cli' } });
  assert.equal(session.object.address, 'ivm:ann@a.test', 'ivm: and the first mail address');
  assert.equal(session.object.heartbeatSeconds, 25);
  header.close();
  early.close();
});

test('contacts: a request is incoming on the other side; accepted, both see each other and presence', async () => {
  const a = await connect(ann, 'ann-laptop');
  const b = await connect(bob, 'bob-phone', { status: 'busy' });
  const asked = await a.client.request({ action: 'subscribe', destination: 'tel:+15550101' });
  assert.equal(asked.action, 'ack');
  assert.deepEqual(
    [asked.object.contact.address, asked.object.contact.state],
    ['ivm:bob@a.test', 'requested'],
  );
  const incoming = await b.client.waitFor((f) => f.action === 'subscribe', 'the request');
  assert.deepEqual(
    [incoming.source, incoming.object.state, incoming.object.name],
    ['ivm:ann@a.test', 'incoming', 'Ann'],
  );
  await b.client.request({ action: 'subscribe', destination: 'ivm:ann@a.test' });
  const accepted = await a.client.waitFor(
    (f) => f.action === 'subscribe' && f.object.state === 'accepted',
    'acceptance',
  );
  assert.deepEqual([accepted.source, accepted.object.status], ['ivm:bob@a.test', 'busy']);
  const list = await a.client.request({ action: 'control', object: { command: 'contacts' } });
  assert.deepEqual(
    list.object.contacts.map((c: any) => [c.address, c.state, c.status]),
    [['ivm:bob@a.test', 'accepted', 'busy']],
  );

  // Presence: status changes and the last socket closing reach Ann within a second.
  const from = a.client.frames.length;
  await b.client.request({ action: 'status', object: { status: 'available' } });
  await a.client.waitFor(
    (f) => f.action === 'status' && f.object.status === 'available',
    'available',
    5000,
    from,
  );
  const second = await connect(bob, 'bob-laptop');
  second.client.close();
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(
    !a.client.frames
      .slice(from)
      .some((f) => f.action === 'status' && f.object.status === 'offline'),
    'one device left: still online',
  );
  const closedAt = Date.now();
  b.client.close();
  await a.client.waitFor(
    (f) => f.action === 'status' && f.object.status === 'offline',
    'offline',
    5000,
    from,
  );
  assert.ok(Date.now() - closedAt < 1000, `offline after ${Date.now() - closedAt} ms`);

  // Cat too, from her side; and a non-contact stays one.
  const c = await connect(cat, 'cat-tablet');
  await c.client.request({ action: 'subscribe', destination: 'mailto:ann@a.test' });
  const fromCat = await a.client.waitFor(
    (f) => f.action === 'subscribe' && f.source === 'ivm:cat@a.test',
    'Cat asks',
  );
  assert.equal(fromCat.object.state, 'incoming');
  const ok = await a.client.request({ action: 'subscribe', destination: 'ivm:cat@a.test' });
  assert.equal(ok.object.contact.state, 'accepted');
  const group = await a.client.request({
    action: 'control',
    object: { command: 'group', name: 'team', members: ['ivm:bob@a.test', 'ivm:cat@a.test'] },
  });
  assert.deepEqual(group.object.groups, [
    { name: 'team', members: ['ivm:bob@a.test', 'ivm:cat@a.test'] },
  ]);
  const bad = await a.client.request({
    action: 'control',
    object: { command: 'group', name: 'x', members: ['ivm:dan@a.test'] },
  });
  assert.equal(bad.object.code, 'not-a-contact');
  c.client.close();
  a.client.close();
});

test('intercom: live to online Bob (two devices), stored for everyone, once per device, receipts', async () => {
  const a = await connect(ann, 'ann-laptop');
  const b1 = await connect(bob, 'bob-phone');
  const b2 = await connect(bob, 'bob-laptop');
  const post = await a.client.request({
    action: 'post',
    id: 'intercom-1',
    destination: ['group:team'],
    object: {
      mode: 'intercom',
      stream: 5,
      codec: 'opus',
      sampleRate: 48000,
      channels: 1,
      frameMs: 20,
      subject: 'Lunch?',
    },
  });
  assert.equal(post.action, 'ack', JSON.stringify(post));
  assert.deepEqual(
    [post.object.state, post.object.stream, post.object.mode],
    ['open', 5, 'intercom'],
  );
  assert.deepEqual(post.object.recipients, ['ivm:bob@a.test', 'ivm:cat@a.test']);
  const live = await b1.client.waitFor(
    (f) => f.action === 'post' && f.object.live === true,
    'the live post',
  );
  assert.deepEqual(
    [live.source, live.object.codec, live.object.name],
    ['ivm:ann@a.test', 'opus', 'Ann'],
  );
  await b2.client.waitFor(
    (f) => f.action === 'post' && f.object.live === true,
    'the live post on the second device',
  );

  const half = Math.floor(speech.length / 2);
  await talk(a.client, 5, speech.slice(0, half));
  await b1.client.waitUntil(
    () => b1.client.audio.length >= half - 5,
    'live frames while Ann talks',
    10_000,
  );
  assert.ok(b1.client.stored().length === 0, 'live frames come before the stored message');
  assert.equal(
    b1.client.audio[0]!.stream,
    live.object.stream,
    "frames carry the server's stream id",
  );
  await talk(a.client, 5, speech.slice(half), { from: half });
  const endAt = a.client.frames.length;
  a.client.send({ action: 'control', object: { command: 'end', stream: 5 } });
  const stored = await a.client.waitFor(
    (f) => f.id === 'intercom-1' && f.object.state === 'stored',
    'the stored ack',
    60_000,
    endAt,
  );
  assert.equal(b1.client.audio.length, speech.length, 'every live frame reached the listener');
  assert.deepEqual(Object.keys(stored.object.messages).sort(), [
    'ivm:bob@a.test',
    'ivm:cat@a.test',
  ]);
  const spoken = speech.length * 0.02;
  assert.ok(
    Math.abs(stored.object.durationMs / 1000 - spoken) < 0.3,
    `durationMs ${stored.object.durationMs} for ${spoken} s`,
  );
  const end = await b1.client.waitFor(
    (f) => f.action === 'control' && f.object.command === 'end',
    'end of the live stream',
  );
  assert.equal(end.object.stream, live.object.stream);

  // Both of Bob's devices get the stored message, with the server's waveform and duration.
  const bobId = stored.object.messages['ivm:bob@a.test'];
  for (const device of [b1, b2]) {
    const m = await device.client.waitFor(
      (f) => f.action === 'post' && f.object.live === false,
      'the stored post',
    );
    assert.equal(m.id, bobId);
    assert.equal(m.object.message.clientId, 'intercom-1');
    assert.equal(m.object.message.subject, 'Lunch?');
    assert.equal(m.object.message.durationMs, stored.object.durationMs);
    assert.equal(m.object.message.waveform.length, 200);
    assert.ok(Math.max(...m.object.message.waveform) > 0.1, 'the waveform shows speech');
  }
  const view = b1.client.stored()[0]!.object.message;
  const audio = await bob.client.get(view.audio);
  assert.equal(audio.status, 200);
  assert.equal(audio.body.subarray(0, 4).toString('latin1'), 'OggS');
  const file = join(dir, 'stored.ogg');
  writeFileSync(file, audio.body);
  const probed = probeAudio(file);
  assert.equal(probed.codec, 'opus');
  assert.ok(
    Math.abs(probed.seconds - spoken) < 0.3,
    `stored audio ${probed.seconds} s for ${spoken} s`,
  );
  assert.ok(oggPackets(audio.body).length > 10);

  // An ordinary message in the unified inbox; the blob on disk is sealed.
  const inbox = await ivmMessages(bob);
  assert.deepEqual(
    inbox.map((m) => [m.id, m.type, m.from]),
    [[bobId, 'ivm', 'ivm:ann@a.test']],
  );
  const detail = (await bob.client.get(`/api/v1/messages/${bobId}`)).body;
  const sha = detail.parts[0].sha256 as string;
  const blob = join(server.dataDir, 'blobs', sha.slice(0, 2), sha.slice(2, 4), sha);
  assert.ok(existsSync(blob), 'the audio is a blob file');
  assert.ok(!readFileSync(blob).includes('OggS'), 'the blob file holds ciphertext, not Ogg');

  // Delivered from one device: the sender's receipt; played on one: the other device and Ann learn it.
  await b1.client.request({ action: 'control', object: { command: 'delivered', message: bobId } });
  await b2.client.request({ action: 'control', object: { command: 'delivered', message: bobId } });
  const fromPlayed = b2.client.frames.length;
  await b1.client.request({ action: 'control', object: { command: 'played', message: bobId } });
  const mark = await b2.client.waitFor(
    (f) => f.action === 'control' && f.object.command === 'played',
    'played on the other device',
    10_000,
    fromPlayed,
  );
  assert.equal(mark.object.message, bobId);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(
    !b1.client.frames.some((f) => f.action === 'control' && f.object.command === 'played'),
    'not echoed to the device that played',
  );
  const receipts = () =>
    a.client.frames.filter((f) => f.object?.command === 'receipt' && f.source === 'ivm:bob@a.test');
  await a.client.waitUntil(() => receipts().length >= 2, 'delivered and played receipts', 10_000);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(
    receipts().map((r) => [r.object.message, r.object.state]),
    [
      ['intercom-1', 'delivered'],
      ['intercom-1', 'played'],
    ],
    'once each, though two devices said delivered',
  );
  assert.equal(
    (await bob.client.get(`/api/v1/messages/${bobId}`)).body.read,
    true,
    'the inbox shows it read',
  );

  // Cat was offline: she gets it when she connects, once; again after delivered: not again.
  const c1 = await connect(cat, 'cat-tablet');
  const catMessage = await c1.client.waitFor(
    (f) => f.action === 'post' && f.object.live === false,
    "Cat's stored post",
  );
  assert.equal(catMessage.id, stored.object.messages['ivm:cat@a.test']);
  assert.ok(!c1.client.audio.length, 'no live frames for a late recipient');
  await c1.client.request({
    action: 'control',
    object: { command: 'delivered', message: catMessage.id },
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(c1.client.stored().length, 1);
  // Read in the inbox (REST) with her messenger closed: that counts as played all the same.
  const fromOffline = a.client.frames.length;
  c1.client.close();
  await a.client.waitFor(
    (f) => f.action === 'status' && f.source === 'ivm:cat@a.test' && f.object.status === 'offline',
    'Cat offline',
    10_000,
    fromOffline,
  );
  const read = await cat.client.patch(`/api/v1/messages/${catMessage.id}`, { read: true });
  assert.equal(read.status, 200);
  const catPlayed = await a.client.waitFor(
    (f) =>
      f.object?.command === 'receipt' &&
      f.source === 'ivm:cat@a.test' &&
      f.object.state === 'played',
    "Cat's played receipt",
    10_000,
  );
  assert.equal(catPlayed.object.message, 'intercom-1');
  const c2 = await connect(cat, 'cat-tablet');
  await c2.client.request({ action: 'ping' });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(c2.client.stored().length, 0, 'not again on the same device');
  c2.client.close();

  // The same post id again: the first stored ack, and still one message each.
  const again = await a.client.request({
    action: 'post',
    id: 'intercom-1',
    destination: ['group:team'],
    object: { stream: 6 },
  });
  assert.deepEqual(
    [again.action, again.object.state, again.object.messages],
    ['ack', 'stored', stored.object.messages],
  );
  assert.equal((await ivmMessages(bob)).length, 1);
  assert.equal((await ivmMessages(cat)).length, 1);
  // Ann, who was online, got her receipts live; a new device of hers gets none of the old ones.
  const a2 = await connect(ann, 'ann-new-phone');
  await a2.client.request({ action: 'ping' });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(a2.client.frames.filter((f) => f.object?.command === 'receipt').length, 0);
  for (const c of [a.client, a2.client, b1.client, b2.client]) c.close();
});

test('a forged source is refused and stores nothing; a non-contact is refused', async () => {
  const a = await connect(ann, 'ann-laptop');
  const before = (await ivmMessages(bob)).length;
  const forged = await a.client.request({
    action: 'post',
    id: 'forged-1',
    source: 'ivm:cat@a.test',
    destination: 'ivm:bob@a.test',
    object: { stream: 1, mode: 'record' },
  });
  assert.deepEqual([forged.action, forged.object.code], ['error', 'forbidden']);
  const stray = await a.client.request({
    action: 'control',
    object: { command: 'end', stream: 1 },
  });
  assert.equal(stray.object.code, 'unknown-stream', 'no stream was opened');
  const toDan = await a.client.request({
    action: 'post',
    id: 'to-dan',
    destination: 'ivm:dan@a.test',
    object: { stream: 2, mode: 'record' },
  });
  assert.deepEqual([toDan.action, toDan.object.code], ['error', 'not-a-contact']);
  const mixed = await a.client.request({
    action: 'post',
    id: 'mixed',
    destination: ['ivm:dan@a.test', 'ivm:bob@a.test', 'ivm:nobody@a.test'],
    object: { stream: 3, mode: 'record' },
  });
  assert.equal(mixed.object.state, 'open');
  assert.deepEqual(mixed.object.refused, [
    { address: 'ivm:dan@a.test', reason: 'not-a-contact' },
    { address: 'ivm:nobody@a.test', reason: 'unknown' },
  ]);
  await a.client.request({ action: 'control', object: { command: 'cancel', stream: 3 } });
  assert.equal((await ivmMessages(bob)).length, before);
  assert.equal((await ivmMessages(dan)).length, 0);
  a.client.close();
});

test('Ann dropped mid-intercom: Bob and Cat each get a complete message of what she said', async () => {
  const a = await connect(ann, 'ann-laptop');
  const b = await connect(bob, 'bob-phone');
  const cBefore = (await ivmMessages(cat)).length;
  const opened = await a.client.request({
    action: 'post',
    id: 'cut-off',
    destination: ['ivm:bob@a.test', 'ivm:cat@a.test'],
    object: { stream: 9 },
  });
  assert.equal(opened.object.mode, 'intercom', 'the default while a recipient is online');
  const sent = Math.floor(speech.length * 0.7);
  await talk(a.client, 9, speech.slice(0, sent));
  // Bob has heard every frame sent: the server has all of them when the connection goes.
  await b.client.waitUntil(() => b.client.audio.length === sent, 'all frames relayed', 10_000);
  a.client.terminate();
  // Ann comes back at once and sends the post again, its copy still being stored: same message.
  const back = await connect(ann, 'ann-laptop');
  const again = await back.client.request(
    {
      action: 'post',
      id: 'cut-off',
      destination: ['ivm:bob@a.test', 'ivm:cat@a.test'],
      object: { stream: 9 },
    },
    60_000,
  );
  assert.deepEqual([again.action, again.object.state], ['ack', 'stored'], JSON.stringify(again));
  const m = await b.client.waitFor(
    (f) =>
      f.action === 'post' && f.object.live === false && f.object.message.clientId === 'cut-off',
    'the stored cut-off message',
    60_000,
  );
  assert.equal(m.id, again.object.messages['ivm:bob@a.test'], 'the ack names the one message');
  back.client.close();
  const expected = sent * 0.02;
  assert.ok(
    Math.abs(m.object.message.durationMs / 1000 - expected) < 0.3,
    `${m.object.message.durationMs} ms for ${expected} s sent`,
  );
  const audio = await bob.client.get(m.object.message.audio);
  const file = join(dir, 'cut-off.ogg');
  writeFileSync(file, audio.body);
  assert.ok(Math.abs(probeAudio(file).seconds - expected) < 0.3);
  const forCat = await ivmMessages(cat);
  assert.equal(forCat.length, cBefore + 1);
  assert.ok(Math.abs(forCat[0].durationMs / 1000 - expected) < 0.3);
  b.client.close();
});

test('record mode: frames sent fast, an attachment, two streams at most, stored at end', async () => {
  const a = await connect(ann, 'ann-laptop');
  const map = Buffer.from('a map of the way to lunch');
  const opened = await a.client.request({
    action: 'post',
    id: 'recorded-1',
    destination: 'ivm:bob@a.test',
    object: {
      mode: 'record',
      stream: 1,
      subject: 'The way',
      attachments: [
        { filename: 'map.txt', contentType: 'text/plain', content: map.toString('base64') },
      ],
    },
  });
  assert.deepEqual([opened.object.state, opened.object.mode], ['open', 'record']);
  const second = await a.client.request({
    action: 'post',
    id: 'recorded-2',
    destination: 'ivm:bob@a.test',
    object: { mode: 'record', stream: 2 },
  });
  assert.equal(second.object.state, 'open');
  const third = await a.client.request({
    action: 'post',
    id: 'recorded-3',
    destination: 'ivm:bob@a.test',
    object: { mode: 'record', stream: 3 },
  });
  assert.equal(third.object.code, 'too-many-streams');
  await a.client.request({ action: 'control', object: { command: 'cancel', stream: 2 } });
  await talk(a.client, 1, speech, { realtime: false });
  const endAt = a.client.frames.length;
  a.client.send({ action: 'control', object: { command: 'end', stream: 1 } });
  const stored = await a.client.waitFor(
    (f) => f.id === 'recorded-1' && f.object.state === 'stored',
    'stored',
    60_000,
    endAt,
  );
  const bobId = stored.object.messages['ivm:bob@a.test'];
  const b = await connect(bob, 'bob-tablet');
  const post = await b.client.waitFor(
    (f) => f.action === 'post' && f.id === bobId,
    'the recorded message on a new device',
  );
  assert.equal(post.object.message.subject, 'The way');
  assert.deepEqual(
    post.object.message.attachments.map((x: any) => [x.filename, x.contentType]),
    [['map.txt', 'text/plain']],
  );
  const got = await bob.client.get(post.object.message.attachments[0].url);
  assert.deepEqual(Buffer.from(got.body), map);
  assert.ok(
    !(await ivmMessages(bob)).some(
      (m) => m.subject === null && m.id !== bobId && m.createdAt > post.object.message.receivedAt,
    ),
    'the cancelled stream stored nothing',
  );
  // Ann goes offline; Bob has it and plays it; Ann's device gets both receipts when it is back.
  a.client.close();
  await b.client.request({ action: 'control', object: { command: 'delivered', message: bobId } });
  await b.client.request({ action: 'control', object: { command: 'played', message: bobId } });
  const back = await connect(ann, 'ann-laptop');
  await back.client.waitUntil(
    () => back.client.frames.filter((f) => f.object?.command === 'receipt').length >= 2,
    'the receipts kept while Ann was offline',
    10_000,
  );
  assert.deepEqual(
    back.client.frames
      .filter((f) => f.object?.command === 'receipt')
      .map((f) => [f.object.message, f.object.state, f.source]),
    [
      ['recorded-1', 'delivered', 'ivm:bob@a.test'],
      ['recorded-1', 'played', 'ivm:bob@a.test'],
    ],
    'only those she had not had',
  );
  back.client.close();
  b.client.close();
});
