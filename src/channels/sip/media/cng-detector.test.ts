import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readWav, samplesOf } from '../../../media/wav.js';
import { CngDetector } from './cng-detector.js';
import { g711 } from './g711.js';

const RATE = 8000;

function tone(hz: number, ms: number, level = 8000): Int16Array {
  const out = new Int16Array((RATE * ms) / 1000);
  for (let i = 0; i < out.length; i++)
    out[i] = Math.round(level * Math.sin((2 * Math.PI * hz * i) / RATE));
  return out;
}

function silence(ms: number): Int16Array {
  return new Int16Array((RATE * ms) / 1000);
}

function join16(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Feeds audio in 20 ms packets, as RTP brings it; the ms at which CNG was heard, or null. */
function heardAt(pcm: Int16Array, detector = new CngDetector()): number | null {
  for (let at = 0; at < pcm.length; at += 160)
    if (detector.push(pcm.subarray(at, at + 160))) return ((at + 160) * 1000) / RATE;
  return null;
}

test('a CNG burst is heard when it ends, through G.711 and at the edge of its tolerance', () => {
  const ulaw = g711('PCMU');
  const cng = join16(silence(300), tone(1100, 500), silence(3000));
  const at = heardAt(ulaw.decode(ulaw.encode(cng)));
  assert.ok(at !== null && at >= 800 && at <= 860, `heard at ${at}`);
  // 1100 Hz ± 38 Hz, quiet (about -30 dBFS), with some noise under it.
  const noisy = join16(silence(200), tone(1136, 520, 800), silence(500));
  for (let i = 0; i < noisy.length; i++) noisy[i]! += Math.round((Math.random() - 0.5) * 200);
  assert.notEqual(heardAt(noisy), null);
  assert.notEqual(heardAt(join16(tone(1064, 450), silence(100))), null);
});

test('not CNG: a long tone, a blip, the 1 kHz beep, 2100 Hz answer tone, silence', () => {
  assert.equal(heardAt(join16(tone(1100, 2000), silence(500))), null);
  assert.equal(heardAt(join16(tone(1100, 200), silence(500))), null);
  assert.equal(heardAt(join16(tone(1000, 500), silence(500))), null);
  assert.equal(heardAt(join16(tone(2100, 500), silence(500))), null);
  assert.equal(heardAt(silence(5000)), null);
});

test('speech is not CNG (espeak-ng voices, high and low)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cng-'));
  try {
    for (const [voice, pitch] of [
      ['en', '50'],
      ['en+f3', '90'],
      ['de', '70'],
    ] as const) {
      const spoken = join(dir, 'spoken.wav');
      const telephone = join(dir, 'telephone.wav');
      execFileSync('espeak-ng', [
        '-v',
        voice,
        '-p',
        pitch,
        '-w',
        spoken,
        'Hello, this is a message for Ann. Please call me back about the fax machine, ooooh.',
      ]);
      execFileSync('sox', [spoken, '-r', '8000', '-c', '1', '-b', '16', telephone]);
      const pcm = samplesOf(readWav(readFileSync(telephone))!.data);
      assert.equal(heardAt(pcm), null, `${voice} at pitch ${pitch}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("spandsp's own calling fax is heard within its first burst", () => {
  const binary = fileURLToPath(
    new URL('../../../../native/fax/build/switchboard-fax', import.meta.url),
  );
  const dir = mkdtempSync(join(tmpdir(), 'cng-'));
  try {
    // Four seconds of silence in: four seconds of what a calling fax sends out.
    const out = execFileSync(binary, ['send', join(dir, 'none.tif')], {
      input: Buffer.alloc(4 * RATE * 2),
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const pcm = new Int16Array(out.length / 2);
    for (let i = 0; i < pcm.length; i++) pcm[i] = out.readInt16LE(i * 2);
    const at = heardAt(pcm);
    assert.ok(at !== null && at < 1500, `heard at ${at}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
