import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Presence } from './presence.js';
import { readOggPackets } from './protocol/ogg-opus.js';
import { Recording } from './recording.js';

const dir = mkdtempSync(join(tmpdir(), 'ivm-recording-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const packet = (n: number) => Buffer.from([0xfc, n]);

test('a recording keeps packets in order, fills gaps, refuses old ones and stops at its limit', async () => {
  const file = join(dir, 'a.ogg');
  const recording = new Recording(file, 1, 10);
  assert.equal(recording.add(0, packet(0)), 'written');
  assert.equal(recording.add(3, packet(3)), 'written', 'two lost before it');
  assert.equal(recording.add(3, packet(3)), 'out-of-order');
  assert.equal(recording.add(1, packet(1)), 'out-of-order');
  assert.equal(recording.packets, 4);
  assert.equal(recording.add(100, packet(100)), 'full', 'a jump past the limit fills it');
  assert.equal(recording.add(101, packet(101)), 'full');
  await recording.finish();
  const packets = readOggPackets(readFileSync(file))!;
  assert.equal(packets.length, 2 + 10, 'headers and ten packets');
  assert.deepEqual([...packets[2]!], [0xfc, 0]);
  assert.deepEqual([...packets[3]!], [0xfc], 'a lost packet is an empty frame');
  assert.deepEqual([...packets[5]!], [0xfc, 3]);
  await recording.discard();
  assert.equal(existsSync(file), false);
});

test('presence: online with the first device, the last set status wins, offline when the last goes', () => {
  const seen: string[] = [];
  const presence = new Presence((id, status) => seen.push(`${id}:${status}`));
  presence.join('ann', 'c1', 'available');
  presence.join('ann', 'c2', 'busy');
  presence.set('ann', 'c1', 'busy');
  presence.set('ann', 'nobody', 'away');
  presence.leave('ann', 'c1');
  assert.equal(presence.status('ann').status, 'busy');
  presence.leave('ann', 'c2');
  presence.leave('ann', 'c2');
  assert.deepEqual(seen, ['ann:available', 'ann:busy', 'ann:offline']);
  assert.equal(presence.isOnline('ann'), false);
  assert.ok(presence.status('ann').since);
});
