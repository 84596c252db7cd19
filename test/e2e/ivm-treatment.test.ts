import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { IvmClient, talk, type IvmFrame } from './ivm-client.js';
import { lavfiPackets, probeAudio } from './ivm-ogg.js';
import { eventually } from './receiver.js';

/**
 * A recorded voice message is stored as sent at once (measured in the process) and treated
 * afterwards: the recipient gets the stored post with the original audio first, then a
 * `control` `treated` with the denoised, loudness-normalised rendition. With the treatment off,
 * nothing follows the stored post.
 */
type Who = { client: Client; token: string };
let dir: string;
let treating: ServerProcess;
let plain: ServerProcess;
/** One second of silence, then one second of a 440 Hz tone at -35 dBFS: quiet, far from -16 LUFS. */
let quietTone: Buffer[];
const open: IvmClient[] = [];

/** Ann and Bob on `server`; `tag` tells apart the pairs of one server. */
async function people(server: ServerProcess, tag = ''): Promise<{ ann: Who; bob: Who }> {
  const add = async (name: string, address: string) => {
    const s = await subscriberClient(server, { name, addresses: [address] });
    return { client: s.client, token: s.client.token! };
  };
  return {
    ann: await add('Ann', `mailto:ann${tag}@a.test`),
    bob: await add('Bob', `mailto:bob${tag}@a.test`),
  };
}

async function connect(server: ServerProcess, who: Who, device: string) {
  const { client } = await IvmClient.connect(server.url, who.token, device);
  open.push(client);
  return client;
}

/** Ann records and sends `packets` to Bob (who accepts anyone); gives the stored ack. */
async function send(
  a: IvmClient,
  b: IvmClient,
  id: string,
  to = 'ivm:bob@a.test',
): Promise<IvmFrame> {
  await b.request({ action: 'control', object: { command: 'settings', allowAnyone: true } });
  const opened = await a.request({
    action: 'post',
    id,
    destination: to,
    object: { stream: 1, mode: 'record' },
  });
  assert.equal(opened.object.state, 'open', JSON.stringify(opened));
  await talk(a, 1, quietTone, { realtime: false });
  const endAt = a.frames.length;
  a.send({ action: 'control', object: { command: 'end', stream: 1 } });
  const stored = await a.waitFor(
    (f) => f.id === id && f.object.state === 'stored',
    'the stored ack',
    60_000,
    endAt,
  );
  return stored;
}

/** Integrated loudness (LUFS) of an audio file, by ffmpeg's EBU R128 meter (its summary on stderr). */
function loudnessOf(file: string): number {
  const run = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-i', file, '-af', 'ebur128', '-f', 'null', '-'],
    { encoding: 'utf8' },
  );
  const summary = run.stderr.slice(run.stderr.lastIndexOf('Integrated loudness'));
  return Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1] ?? 'NaN');
}

async function fetchTo(who: Who, url: string, name: string): Promise<string> {
  const res = await who.client.get(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  const file = join(dir, name);
  writeFileSync(file, res.body);
  return file;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ivm-treatment-'));
  quietTone = lavfiPackets(
    dir,
    "aevalsrc='if(lt(t,1),0,0.0178*sin(2*PI*440*t))':s=48000:d=2",
    '24k',
  );
  treating = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    // Small blobs would live sealed in the database; this puts the audio in a blob file to look at.
    SWITCHBOARD_INLINE_BLOB_MAX_BYTES: '512',
  });
  plain = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_IVM_ENHANCE: 'false',
  });
});

after(async () => {
  for (const c of open) c.terminate();
  await treating?.dispose();
  await plain?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('stored as sent first, then the treated rendition: -16 LUFS, same duration, sealed, in place', async () => {
  const { ann, bob } = await people(treating);
  const a = await connect(treating, ann, 'ann-phone');
  const b = await connect(treating, bob, 'bob-phone');
  const stored = await send(a, b, 'quiet-1');
  const bobId = stored.object.messages['ivm:bob@a.test'] as string;

  // The stored post: the packets as sent, measured in the process.
  const post = await b.waitFor((f) => f.action === 'post' && f.id === bobId, 'the stored post');
  const first = post.object.message;
  assert.equal(first.audio, `/api/v1/messages/${bobId}/parts/1`, 'the original audio part');
  const original = await fetchTo(bob, first.audio, 'original.ogg');
  const probed = probeAudio(original);
  assert.equal(probed.codec, 'opus');
  assert.ok(
    Math.abs(first.durationMs - probed.seconds * 1000) <= 40,
    `measured ${first.durationMs} ms, ffprobe ${probed.seconds} s`,
  );
  assert.equal(stored.object.durationMs, first.durationMs);
  assert.equal(first.waveform.length, 200);
  assert.ok(Math.max(...first.waveform.slice(0, 90)) < 0.002, 'the silent second is low');
  assert.ok(Math.min(...first.waveform.slice(110, 195)) > 0.01, 'the tone is high');
  const before = loudnessOf(original);
  assert.ok(before < -30, `the original is quiet: ${before} LUFS`);

  // Then the treated update, after the post, for the same message.
  const update = await b.waitFor(
    (f) => f.action === 'control' && f.object.command === 'treated',
    'the treated update',
    60_000,
  );
  assert.ok(b.frames.indexOf(update) > b.frames.indexOf(post), 'the update follows the post');
  assert.equal(update.object.message, bobId);
  assert.equal(update.source, 'ivm:ann@a.test');
  assert.notEqual(update.object.audio, first.audio);
  assert.equal(update.object.waveform.length, 200);
  assert.ok(
    Math.max(...update.object.waveform) > Math.max(...first.waveform) * 2,
    'the treated waveform is redrawn, louder',
  );

  const detail = (await bob.client.get(`/api/v1/messages/${bobId}`)).body;
  const rendition = detail.parts.find((p: any) => p.converter === 'voice-treatment');
  assert.ok(rendition, JSON.stringify(detail.parts));
  assert.equal(rendition.derivedFrom, 1);
  assert.equal(rendition.contentType, 'audio/ogg;codecs=opus');
  assert.equal(update.object.audio, `/api/v1/messages/${bobId}/parts/${rendition.index}`);
  const treatedFile = await fetchTo(bob, update.object.audio, 'treated.ogg');
  const treated = probeAudio(treatedFile);
  assert.equal(treated.codec, 'opus');
  assert.ok(
    Math.abs(treated.seconds - probed.seconds) <= 0.06,
    `treated ${treated.seconds} s, original ${probed.seconds} s`,
  );
  const after = loudnessOf(treatedFile);
  assert.ok(Math.abs(after - -16) <= 2, `treated loudness ${after} LUFS`);
  const sha = rendition.sha256 as string;
  const blob = join(treating.dataDir, 'blobs', sha.slice(0, 2), sha.slice(2, 4), sha);
  assert.ok(existsSync(blob), 'the treated audio is a blob file');
  assert.ok(!readFileSync(blob).includes('OggS'), 'sealed at rest');

  // The sender's sent copy has it too; the spool file is gone once treated.
  const sent = (await ann.client.get('/api/v1/messages?type=ivm&folder=sent')).body.messages;
  assert.equal(sent.length, 1);
  const sentParts = (await ann.client.get(`/api/v1/messages/${sent[0].id}`)).body.parts;
  assert.ok(sentParts.some((p: any) => p.converter === 'voice-treatment'));
  await eventually(
    async () => readdirSync(join(treating.dataDir, 'ivm-spool')).length === 0,
    'the spool file removed',
  );

  // Not a second delivery: one stored post, one delivered receipt; a new device gets it treated.
  await b.request({ action: 'control', object: { command: 'delivered', message: bobId } });
  await a.waitFor((f) => f.object?.command === 'receipt', 'the delivered receipt');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(b.stored().length, 1);
  assert.equal(a.frames.filter((f) => f.object?.command === 'receipt').length, 1);
  const laptop = await connect(treating, bob, 'bob-laptop');
  const again = await laptop.waitFor((f) => f.action === 'post' && f.id === bobId, 'backlog');
  assert.equal(again.object.message.audio, update.object.audio);
  assert.deepEqual(again.object.message.waveform, update.object.waveform);
});

test('with the treatment off the message stays as sent: no rendition, no update', async () => {
  const { ann, bob } = await people(plain);
  const a = await connect(plain, ann, 'ann-phone');
  const b = await connect(plain, bob, 'bob-phone');
  const stored = await send(a, b, 'plain-1');
  const bobId = stored.object.messages['ivm:bob@a.test'] as string;
  const post = await b.waitFor((f) => f.action === 'post' && f.id === bobId, 'the stored post');
  assert.equal(post.object.message.waveform.length, 200);
  assert.ok(Math.abs(post.object.message.durationMs - quietTone.length * 20) <= 40);
  await eventually(
    async () => readdirSync(join(plain.dataDir, 'ivm-spool')).length === 0,
    'the spool file removed',
  );
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(!b.frames.some((f) => f.object?.command === 'treated'), 'no treated update');
  const parts = (await bob.client.get(`/api/v1/messages/${bobId}`)).body.parts;
  assert.deepEqual(
    parts.map((p: any) => [p.index, p.contentType, p.derivedFrom]),
    [[1, 'audio/ogg;codecs=opus', null]],
  );
});

test('a stop while a message is being treated waits for it: a clean exit, the rendition kept', async () => {
  const { ann, bob } = await people(treating, '-stop');
  const a = await connect(treating, ann, 'ann-stop');
  const b = await connect(treating, bob, 'bob-stop');
  const stored = await send(a, b, 'stop-1', 'ivm:bob-stop@a.test');
  const bobId = stored.object.messages['ivm:bob-stop@a.test'] as string;
  // At once: the treatment (an ffmpeg run of a few hundred ms) has only just begun.
  assert.equal(await treating.stop('SIGTERM'), 0, 'a clean exit');
  assert.doesNotMatch(treating.output, /voice treatment failed|unhandled|uncaught/i);
  assert.deepEqual(readdirSync(join(treating.dataDir, 'ivm-spool')), [], 'its spool file removed');
  await treating.start();
  const again = new Client(treating.url, bob.token);
  const parts = (await again.get(`/api/v1/messages/${bobId}`)).body.parts;
  assert.deepEqual(
    parts.map((p: any) => [p.index, p.derivedFrom, p.converter]),
    [
      [1, null, null],
      [2, 1, 'voice-treatment'],
    ],
  );
});
