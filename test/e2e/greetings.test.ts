import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chirp, correlation, decodeToPcm, wavOf } from './audio-fixtures.js';
import { Client, ServerProcess, subscriberClient } from './harness.js';

/**
 * Greetings over the REST API against a started server: raw audio in, kept as given and as the
 * 8 kHz WAV a call plays, refused with problem details when it is not audio or too big, and
 * private to its subscriber.
 */
let server: ServerProcess;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };
const MAX_BYTES = 200_000;
const MAX_SECONDS = 10;

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_GREETING_MAX_BYTES: String(MAX_BYTES),
    SWITCHBOARD_GREETING_MAX_SECONDS: String(MAX_SECONDS),
  });
  ann = await subscriberClient(server, { name: 'Ann', addresses: ['tel:+15550001'] });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['tel:+15550002'] });
});
after(() => server.dispose());

/** PUT with a raw body: the harness client speaks JSON only. */
async function upload(who: Client, kind: string, contentType: string, body: Buffer | string) {
  const res = await fetch(`${server.url}/api/v1/me/greetings/${kind}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${who.token}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: (await res.json()) as any,
  };
}

test('a WAV greeting is stored, listed, read back as given and as 8 kHz mono WAV', async () => {
  const wav = wavOf(chirp(3, 16000), 16000);
  const saved = await upload(ann.client, 'unavailable', 'audio/wav', wav);
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body.kind, 'unavailable');
  assert.equal(saved.body.size, wav.length);
  assert.ok(Math.abs(saved.body.durationMs - 3000) < 50, `${saved.body.durationMs} ms`);

  const listed = await ann.client.get('/api/v1/me/greetings');
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.limits, { maxBytes: MAX_BYTES, maxSeconds: MAX_SECONDS });
  assert.deepEqual(listed.body.greetings, [saved.body]);
  assert.equal(listed.body.greetings[0].contentType, 'audio/wav');
  assert.match(listed.body.greetings[0].updatedAt, /^\d{4}-\d\d-\d\dT/);

  const original = await ann.client.get('/api/v1/me/greetings/unavailable');
  assert.equal(original.status, 200);
  assert.equal(original.headers.get('content-type'), 'audio/wav');
  assert.ok(Buffer.from(original.body).equals(wav), 'the very bytes that were sent');

  const playable = await ann.client.get('/api/v1/me/greetings/unavailable?format=slin');
  assert.equal(playable.status, 200);
  assert.equal(playable.headers.get('content-type'), 'audio/wav;rate=8000');
  const head = Buffer.from(playable.body);
  assert.deepEqual(
    [head.readUInt16LE(20), head.readUInt16LE(22), head.readUInt32LE(24), head.readUInt16LE(34)],
    [1, 1, 8000, 16],
    'linear PCM, mono, 8 kHz, 16 bit',
  );
  assert.ok(correlation(chirp(3), decodeToPcm(head)) > 0.9, 'the same sound');

  // Token in the query, as an <audio src> sends it.
  const byQuery = await fetch(
    `${server.url}/api/v1/me/greetings/unavailable?token=${ann.client.token}`,
  );
  assert.equal(byQuery.status, 200);
});

test('what is not audio is refused with 415 problem details, and nothing changes', async () => {
  for (const [type, body] of [
    ['text/plain', 'Hello, this is Ann'],
    ['application/json', JSON.stringify({ audio: 'no' })],
    ['application/octet-stream', wavOf(chirp(1))],
    ['audio/x-made-up', 'Hello'],
  ] as const) {
    const refused = await upload(ann.client, 'busy', type, body);
    assert.equal(refused.status, 415, `${type}: ${JSON.stringify(refused.body)}`);
    assert.match(refused.type, /^application\/problem\+json/);
    assert.equal(refused.body.status, 415);
    assert.match(refused.body.type, /^urn:switchboard:problem:/);
  }
  const garbled = await upload(ann.client, 'busy', 'audio/ogg', Buffer.from('OggS but no audio'));
  assert.equal(garbled.status, 400, JSON.stringify(garbled.body));
  assert.match(garbled.type, /^application\/problem\+json/);
  const kinds = (await ann.client.get('/api/v1/me/greetings')).body.greetings.map(
    (g: any) => g.kind,
  );
  assert.deepEqual(kinds, ['unavailable']);
});

test('too many bytes or too many seconds is refused with 413 problem details', async () => {
  const big = await upload(ann.client, 'busy', 'audio/wav', wavOf(chirp(7, 16000), 16000));
  assert.equal(big.status, 413, JSON.stringify(big.body));
  assert.match(big.type, /^application\/problem\+json/);
  assert.equal(big.body.type, 'urn:switchboard:problem:too-large');

  // 12 s at 8 kHz is 192 kB: within the bytes, over the seconds.
  const long = await upload(ann.client, 'busy', 'audio/wav', wavOf(chirp(12)));
  assert.equal(long.status, 413, JSON.stringify(long.body));
  assert.match(long.body.detail, /12 s long; the limit is 10 s/);
  assert.equal((await ann.client.get('/api/v1/me/greetings/busy')).status, 404);
});

test('one subscriber cannot reach, replace or delete another’s greetings', async () => {
  assert.deepEqual((await bob.client.get('/api/v1/me/greetings')).body.greetings, []);
  const read = await bob.client.get('/api/v1/me/greetings/unavailable');
  assert.equal(read.status, 404);
  assert.equal(read.body.type, 'urn:switchboard:problem:not-found');
  assert.equal((await bob.client.delete('/api/v1/me/greetings/unavailable')).status, 404);
  const bobs = await upload(bob.client, 'unavailable', 'audio/wav', wavOf(chirp(1)));
  assert.equal(bobs.status, 200);
  const anns = await ann.client.get('/api/v1/me/greetings/unavailable');
  assert.equal(anns.body.length, wavOf(chirp(3, 16000), 16000).length, 'Ann’s greeting is her own');
  assert.equal((await new Client(server.url).get('/api/v1/me/greetings')).status, 401);
  assert.equal((await ann.client.get('/api/v1/me/greetings/voicemail')).status, 400);
});

test('a deleted greeting is gone', async () => {
  assert.equal((await ann.client.delete('/api/v1/me/greetings/unavailable')).status, 204);
  assert.equal((await ann.client.get('/api/v1/me/greetings/unavailable')).status, 404);
  assert.equal((await ann.client.delete('/api/v1/me/greetings/unavailable')).status, 404);
  assert.deepEqual((await ann.client.get('/api/v1/me/greetings')).body.greetings, []);
});
