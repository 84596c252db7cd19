import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ServerProcess, subscriberClient } from './harness.js';
import { IvmClient, talk } from './ivm-client.js';
import { speechPackets } from './ivm-ogg.js';

/**
 * The server stopping (SIGTERM) in the middle of an intercom message: the devices are told
 * (1001), what was said is stored before the store closes, and the recipient gets it once the
 * server is back.
 */
let server: ServerProcess;
let dir: string;
const open: IvmClient[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ivm-restart-'));
  server = await ServerProcess.start({ SWITCHBOARD_DOMAINS: 'a.test' });
});

after(async () => {
  for (const c of open) c.terminate();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('a shutdown during an intercom message stores it; the recipient has it after the restart', async () => {
  const speech = speechPackets(dir, 'The server is going down while I am still talking to you.');
  const ann = await subscriberClient(server, { name: 'Ann', addresses: ['mailto:ann@a.test'] });
  const bob = await subscriberClient(server, { name: 'Bob', addresses: ['mailto:bob@a.test'] });
  const connect = async (token: string, device: string) => {
    const { client } = await IvmClient.connect(server.url, token, device);
    open.push(client);
    return client;
  };
  const a = await connect(ann.client.token!, 'a');
  const b = await connect(bob.client.token!, 'b');
  await a.request({ action: 'subscribe', destination: 'ivm:bob@a.test' });
  await b.request({ action: 'subscribe', destination: 'ivm:ann@a.test' });
  await a.request({
    action: 'post',
    id: 'going-down',
    destination: 'ivm:bob@a.test',
    object: { stream: 1, mode: 'intercom' },
  });
  const sent = Math.floor(speech.length / 2);
  await talk(a, 1, speech.slice(0, sent));
  await b.waitUntil(() => b.audio.length === sent, 'the frames at Bob');
  assert.equal(await server.stop('SIGTERM'), 0, 'a clean exit');
  assert.equal((await a.waitClosed()).code, 1001);
  assert.equal((await b.waitClosed()).code, 1001);
  assert.deepEqual(readdirSync(join(server.dataDir, 'ivm-spool')), [], 'no spool file left');

  await server.start();
  const { client: again } = await IvmClient.connect(server.url, bob.client.token!, 'b');
  open.push(again);
  const stored = await again.waitFor(
    (f) => f.action === 'post' && f.object.live === false,
    'the stored message after the restart',
  );
  assert.equal(stored.object.message.clientId, 'going-down');
  assert.ok(
    Math.abs(stored.object.message.durationMs - sent * 20) < 300,
    `${stored.object.message.durationMs} ms for ${sent * 20} ms sent`,
  );
});
