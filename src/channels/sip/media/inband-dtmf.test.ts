import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readWav, samplesOf } from '../../../media/wav.js';
import { g711 } from './g711.js';
import { InbandDtmfDetector } from './inband-dtmf.js';

const RATE = 8000;
const KEYS = '123A456B789C*0#D';
const ROWS = [697, 770, 852, 941];
const COLUMNS = [1209, 1336, 1477, 1633];

/** A reproducible random source (mulberry32), so a failing noise test fails every time. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Amplitude of a sine at `db` dBFS (0 dBFS being a full-scale sine). */
const amplitude = (db: number) => 32767 * 10 ** (db / 20);

interface Piece {
  /** A key, or '' for silence. */
  key: string;
  ms: number;
  levelDb?: number;
  /** The high group's level relative to the low group's. */
  twistDb?: number;
  /** Both tones off their nominal frequency by this fraction. */
  offset?: number;
}

/** Floating-point audio of tones and pauses, phases continuing as a real dialer's would not. */
function signal(pieces: Piece[]): Float64Array {
  const total = pieces.reduce((n, p) => n + (p.ms * RATE) / 1000, 0);
  const out = new Float64Array(total);
  let at = 0;
  for (const p of pieces) {
    const n = (p.ms * RATE) / 1000;
    if (p.key) {
      const index = KEYS.indexOf(p.key);
      const low = ROWS[Math.floor(index / 4)]! * (1 + (p.offset ?? 0));
      const high = COLUMNS[index % 4]! * (1 + (p.offset ?? 0));
      const a = amplitude(p.levelDb ?? -10);
      const b = a * 10 ** ((p.twistDb ?? 0) / 20);
      for (let i = 0; i < n; i++) {
        const t = i / RATE;
        out[at + i] =
          a * Math.sin(2 * Math.PI * low * t) + b * Math.sin(2 * Math.PI * high * t + 1);
      }
    }
    at += n;
  }
  return out;
}

/** Adds white Gaussian noise at `db` dBFS (RMS against a full-scale sine's) and rounds. */
function withNoise(audio: Float64Array, db: number, seed = 1): Int16Array {
  const next = random(seed);
  const rms = amplitude(db) / Math.SQRT2;
  const out = new Int16Array(audio.length);
  for (let i = 0; i < audio.length; i++) {
    const gauss = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    out[i] = Math.max(-32768, Math.min(32767, Math.round(audio[i]! + rms * gauss)));
  }
  return out;
}

/** Runs audio through a fresh detector in chunks of `chunk` samples. */
function detect(pcm: Int16Array, chunk = 160): string {
  const detector = new InbandDtmfDetector();
  let digits = '';
  for (let i = 0; i < pcm.length; i += chunk)
    digits += detector.push(pcm.subarray(i, i + chunk)).join('');
  return digits;
}

/** Every key, each followed by a pause, with a pause before the first. */
function keypad(ms: number, levelDb: number, extra: Partial<Piece> = {}): Piece[] {
  return [
    { key: '', ms: 50 },
    ...[...KEYS].flatMap((key) => [
      { key, ms, levelDb, ...extra },
      { key: '', ms: 50 },
    ]),
  ];
}

test('in-band DTMF: every key at -10 to -25 dBFS, 50 and 100 ms tones, 50 ms pauses, in noise', () => {
  for (const levelDb of [-10, -15, -20, -25])
    for (const ms of [50, 100]) {
      const pcm = withNoise(signal(keypad(ms, levelDb)), levelDb - 20, levelDb * ms);
      assert.equal(detect(pcm), KEYS, `${ms} ms at ${levelDb} dBFS`);
    }
});

test('in-band DTMF: a 40 ms press (Q.24’s shortest) is heard however it lines up with blocks', () => {
  for (let lead = 0; lead < 102; lead += 7) {
    const pcm = withNoise(signal([{ key: '', ms: lead / 8 }, ...keypad(40, -20)]), -45, lead);
    assert.equal(detect(pcm), KEYS, `starting ${lead} samples in`);
  }
});

test('in-band DTMF: chunk sizes do not matter, not even one sample at a time', () => {
  const pcm = withNoise(signal(keypad(50, -20)), -45);
  for (const chunk of [1, 37, 102, 160, 1000, pcm.length]) assert.equal(detect(pcm, chunk), KEYS);
});

test('in-band DTMF: twist and frequency within Q.24’s tolerances is heard, beyond it is not', () => {
  const heard = (extra: Partial<Piece>) => detect(withNoise(signal(keypad(60, -15, extra)), -50));
  assert.equal(heard({ twistDb: -6 }), KEYS, 'high group 6 dB down (normal twist)');
  assert.equal(heard({ twistDb: 3 }), KEYS, 'high group 3 dB up (reverse twist)');
  assert.equal(heard({ offset: 0.015 }), KEYS, '1.5% sharp');
  assert.equal(heard({ offset: -0.015 }), KEYS, '1.5% flat');
  assert.equal(heard({ twistDb: -12 }), '', 'high group 12 dB down');
  assert.equal(heard({ twistDb: 7 }), '', 'high group 7 dB up');
  assert.equal(heard({ offset: 0.06 }), '', '6% sharp');
  assert.equal(detect(withNoise(signal(keypad(60, -45)), -90)), '', 'too quiet to be a key');
});

test('in-band DTMF: a held key is one digit; the same key twice, with a pause, is two', () => {
  assert.equal(detect(withNoise(signal([{ key: '5', ms: 3000 }]), -40)), '5');
  const twice = signal([
    { key: '', ms: 30 },
    { key: '7', ms: 70 },
    { key: '', ms: 50 },
    { key: '7', ms: 70 },
    { key: '', ms: 50 },
  ]);
  assert.equal(detect(withNoise(twice, -40)), '77');
  // A 5 ms dropout inside a press is the line, not a second press (Q.24 bridges up to 10 ms).
  const dropout = signal([
    { key: '9', ms: 100 },
    { key: '', ms: 5 },
    { key: '9', ms: 100 },
  ]);
  assert.equal(detect(withNoise(dropout, -40)), '9');
  const rolled = signal([
    { key: '1', ms: 80 },
    { key: '2', ms: 80 },
  ]);
  assert.equal(detect(withNoise(rolled, -40)), '12', 'one key straight after another');
  assert.equal(detect(withNoise(signal([{ key: '3', ms: 20 }]), -40)), '', 'a 20 ms blip');
});

test('in-band DTMF: still heard after G.711 µ-law and A-law round trips', () => {
  for (const name of ['PCMU', 'PCMA']) {
    const codec = g711(name);
    for (const levelDb of [-10, -25]) {
      const pcm = withNoise(signal(keypad(50, levelDb)), levelDb - 25);
      const decoded = new Int16Array(pcm.length);
      for (let i = 0; i < pcm.length; i += 160)
        decoded.set(codec.decode(codec.encode(pcm.subarray(i, i + 160))), i);
      assert.equal(detect(decoded), KEYS, `${name} at ${levelDb} dBFS`);
    }
  }
});

test('in-band DTMF: no digits in a 1 kHz beep, a chirp across the band, or call progress tones', () => {
  const tone = (seconds: number, frequency: (t: number) => number) => {
    const pcm = new Float64Array(seconds * RATE);
    let phase = 0;
    for (let i = 0; i < pcm.length; i++) {
      phase += (2 * Math.PI * frequency(i / RATE)) / RATE;
      pcm[i] = amplitude(-6) * Math.sin(phase);
    }
    return pcm;
  };
  assert.equal(
    detect(
      withNoise(
        tone(2, () => 1000),
        -60,
      ),
    ),
    '',
    'beep',
  );
  assert.equal(
    detect(
      withNoise(
        tone(6, (t) => 200 + (3400 - 200) * (t / 6)),
        -60,
      ),
    ),
    '',
    'chirp',
  );
  const dialTone = tone(2, () => 350).map(
    (x, i) => x + amplitude(-6) * Math.sin((2 * Math.PI * 440 * i) / RATE),
  );
  assert.equal(detect(withNoise(dialTone, -60)), '', 'dial tone, 350 + 440 Hz');
});

test('in-band DTMF: no digits in speech, even high-pitched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inband-dtmf-'));
  try {
    const text =
      'Hello, you have reached the voicemail of Alice. Please leave a message after the tone. ' +
      'Press one, two, three, or the pound key. Nine eight seven six five four. La la la, ooh, aah.';
    let seconds = 0;
    for (const [voice, pitch] of [
      ['en', '50'],
      ['en+m3', '99'],
      ['en+f5', '90'],
      ['en-us+f3', '70'],
    ] as const) {
      const spoken = join(dir, 'spoken.wav');
      const telephone = join(dir, 'telephone.wav');
      execFileSync('espeak-ng', ['-v', voice, '-p', pitch, '-w', spoken, text]);
      execFileSync('sox', [spoken, '-r', '8000', '-c', '1', '-b', '16', telephone]);
      const pcm = samplesOf(readWav(readFileSync(telephone))!.data);
      seconds += pcm.length / RATE;
      assert.equal(detect(pcm), '', `${voice} at pitch ${pitch}`);
    }
    assert.ok(seconds > 30, `${seconds} s of speech`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
