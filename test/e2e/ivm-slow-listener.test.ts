import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { ServerProcess, subscriberClient } from './harness.js';
import { audioFrame, IvmClient } from './ivm-client.js';
import { noisePackets } from './ivm-ogg.js';

/**
 * A listener that stops reading its socket misses live frames, for itself alone: the talker
 * and another listener go on at full speed, and the stored message is whole.
 */
let server: ServerProcess;
let dir: string;
const open: IvmClient[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ivm-slow-'));
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    // The talker sends minutes of audio fast, so that the stalled socket fills in seconds: the
    // kernel takes megabytes (loopback send and receive buffers) before the server's queue grows.
    SWITCHBOARD_IVM_AUDIO_RATE: '2500',
    SWITCHBOARD_IVM_SLOW_LISTENER_BYTES: '65536',
  });
});

after(async () => {
  for (const c of open) c.terminate();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('a stalled listener misses live frames; the other hears all; the stored copy is whole', async () => {
  const packets = noisePackets(dir, 200);
  const who = async (name: string) => {
    const s = await subscriberClient(server, { name, addresses: [`mailto:${name}@a.test`] });
    return s.client.token!;
  };
  const [ann, bob, cat] = [await who('ann'), await who('bob'), await who('cat')];
  const connect = async (token: string, device: string) => {
    const { client } = await IvmClient.connect(server.url, token, device);
    open.push(client);
    return client;
  };
  const a = await connect(ann, 'a');
  const b = await connect(bob, 'b');
  const c = await connect(cat, 'c');
  for (const other of [b, c]) {
    const address = other === b ? 'ivm:bob@a.test' : 'ivm:cat@a.test';
    await a.request({ action: 'subscribe', destination: address });
    await other.request({ action: 'subscribe', destination: 'ivm:ann@a.test' });
  }
  const opened = await a.request({
    action: 'post',
    id: 'loud',
    destination: ['ivm:bob@a.test', 'ivm:cat@a.test'],
    object: { stream: 1, mode: 'intercom' },
  });
  assert.equal(opened.object.state, 'open');
  await c.waitFor((f) => f.action === 'post' && f.object.live, 'the live post at Cat');
  // Cat stops reading: her socket's buffers fill and the server's queue for her grows.
  const catSocket = (c.socket as unknown as { _socket: Socket })._socket;
  catSocket.pause();

  const started = Date.now();
  for (let i = 0; i < packets.length; i += 50) {
    for (let k = i; k < Math.min(i + 50, packets.length); k++)
      a.socket.send(audioFrame(1, k, packets[k]!));
    await new Promise((r) => setTimeout(r, 25));
  }
  await b.waitUntil(() => b.audio.length === packets.length, 'every frame at Bob', 30_000);
  const talkMs = Date.now() - started;
  const endAt = a.frames.length;
  a.send({ action: 'control', object: { command: 'end', stream: 1 } });
  const stored = await a.waitFor(
    (f) => f.id === 'loud' && f.object.state === 'stored',
    'stored',
    120_000,
    endAt,
  );
  catSocket.resume();
  const catMessage = await c.waitFor(
    (f) => f.action === 'post' && f.object.live === false,
    "Cat's stored copy",
    30_000,
  );
  assert.ok(
    c.audio.length < packets.length,
    `Cat missed live frames (${c.audio.length} of ${packets.length})`,
  );
  assert.ok(c.audio.length > 0, 'she had some before she stalled');
  const sequences = c.audio.map((f) => f.sequence);
  assert.deepEqual(
    sequences,
    [...sequences].sort((x, y) => x - y),
    'what she got is in order',
  );
  assert.ok(
    talkMs < 30_000,
    `the talker was not held up (${talkMs} ms for ${packets.length} frames)`,
  );
  const seconds = (packets.length * 20) / 1000;
  assert.ok(
    Math.abs(stored.object.durationMs / 1000 - seconds) < 0.5,
    `stored ${stored.object.durationMs} ms of ${seconds} s`,
  );
  assert.equal(catMessage.object.message.durationMs, stored.object.durationMs, 'her copy is whole');
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /switchboard_ivm_live_frames_total\{outcome="slow-listener"\} [1-9]/);
});
