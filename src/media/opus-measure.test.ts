import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { lavfiPackets, probeAudio } from '../../test/e2e/ivm-ogg.js';
import { OpusMeasurer } from './opus-measure.js';

const dir = mkdtempSync(join(tmpdir(), 'opus-measure-'));
const measurer = new OpusMeasurer();
after(async () => {
  await measurer.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One second of silence, then one second of a 440 Hz tone at -35 dBFS. */
const QUIET_THEN_TONE = "aevalsrc='if(lt(t,1),0,0.0178*sin(2*PI*440*t))':s=48000:d=2";

test('the worker measures duration (as ffprobe does) and 200 bars, silence low and tone high', async () => {
  const packets = lavfiPackets(dir, QUIET_THEN_TONE, '24k');
  const probed = probeAudio(join(dir, 'lavfi.ogg'));
  const m = await measurer.measure(packets, 312);
  assert.ok(
    Math.abs(m.durationMs - probed.seconds * 1000) <= 40,
    `${m.durationMs} ms measured, ${probed.seconds} s by ffprobe`,
  );
  assert.equal(m.waveform.length, 200);
  const first = Math.max(...m.waveform.slice(0, 90));
  const second = Math.min(...m.waveform.slice(110, 195));
  assert.ok(first < 0.002, `silence at most ${first}`);
  assert.ok(second > 0.01 && second < 0.05, `the tone at least ${second} (-35 dBFS is 0.0178)`);
});

test('jobs queue on one worker, and damaged or empty packets count as 20 ms each', async () => {
  const packets = lavfiPackets(dir, 'sine=f=300:d=1', '24k');
  const [a, b, c] = await Promise.all([
    measurer.measure(packets),
    measurer.measure([Buffer.alloc(0), Buffer.from([0xff, 0xff, 0xff]), ...packets.slice(0, 8)]),
    measurer.measure(packets),
  ]);
  assert.deepEqual(a, c, 'the decoder starts afresh for every message');
  assert.equal(a.durationMs, packets.length * 20);
  assert.equal(b.durationMs, 10 * 20);
  assert.equal(b.waveform.length, 200);
});

test('no packets measure as nothing', async () => {
  assert.deepEqual(await measurer.measure([]), { durationMs: 0, waveform: [] });
});

test('a closed measurer starts a new worker for the next job (warmed or not)', async () => {
  await measurer.close();
  measurer.warm();
  measurer.warm();
  await measurer.close();
  const packets = lavfiPackets(dir, 'sine=f=300:d=0.5', '24k');
  const m = await measurer.measure(packets);
  assert.equal(m.durationMs, packets.length * 20);
});
