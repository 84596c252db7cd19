import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wavOf } from '../../src/media/wav.js';

// Tests write WAVs with the server's own writer (16-bit mono PCM, a 44-byte header).
export { wavOf };

/** 16-bit mono PCM as a WAV file at `dir`/`name`; gives its path. */
export function wavFile(dir: string, name: string, samples: Int16Array, rate = 8000): string {
  const file = join(dir, name);
  writeFileSync(file, wavOf(samples, rate));
  return file;
}

/** Pieces of audio one after the other. */
export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Keys as DTMF tones in the audio (ITU Q.23), at 8 kHz: each key `ms` long at about -10 dBFS
 * per tone, followed by `gapMs` of silence.
 */
export function dtmfTones(keys: string, { ms = 120, gapMs = 0 } = {}): Int16Array {
  const rows = [697, 770, 852, 941];
  const cols = [1209, 1336, 1477];
  const layout = ['123', '456', '789', '*0#'];
  const toneLength = (ms * 8000) / 1000;
  const keyLength = toneLength + (gapMs * 8000) / 1000;
  const out = new Int16Array(keys.length * keyLength);
  [...keys].forEach((key, k) => {
    const row = layout.findIndex((r) => r.includes(key));
    if (row < 0) throw new Error(`not a DTMF key: ${key}`);
    const col = layout[row]!.indexOf(key);
    for (let i = 0; i < toneLength; i++)
      out[k * keyLength + i] = Math.round(
        7000 * Math.sin((2 * Math.PI * rows[row]! * i) / 8000) +
          7000 * Math.sin((2 * Math.PI * cols[col]! * i) / 8000),
      );
  });
  return out;
}

/** A recognisable test signal: a rising chirp under a slow swell, so lags and gains show. */
export function chirp(seconds: number, rate = 8000): Int16Array {
  const out = new Int16Array(seconds * rate);
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    const f = 200 + (1400 * t) / seconds;
    const swell = 0.4 + 0.3 * Math.sin(2 * Math.PI * 0.7 * t);
    out[i] = Math.round(12000 * swell * Math.sin(2 * Math.PI * f * t));
  }
  return out;
}

/** Any audio ffmpeg reads (optionally a raw format), as 8 kHz mono 16-bit samples. */
export function decodeToPcm(content: Buffer, inputArgs: string[] = []): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pcm-'));
  const input = join(dir, 'in');
  writeFileSync(input, content);
  const output = join(dir, 'out.raw');
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    ...inputArgs,
    '-i',
    input,
    '-ar',
    '8000',
    '-ac',
    '1',
    '-f',
    's16le',
    output,
  ]);
  const bytes = readFileSync(output);
  rmSync(dir, { recursive: true, force: true });
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
}

/** Best normalised cross-correlation of b against a within ±maxLag samples. */
export function correlation(a: Int16Array, b: Int16Array, maxLag = 800): number {
  let best = 0;
  const n = Math.min(a.length, b.length) - maxLag;
  for (let lag = -maxLag; lag <= maxLag; lag += 1) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = maxLag; i < n; i += 2) {
      const x = a[i]!;
      const y = b[i + lag]!;
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    const r = ab / Math.sqrt(aa * bb || 1);
    if (r > best) best = r;
  }
  return best;
}

/** Normalised correlation of two equally long stretches. */
function similarity(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  from: number,
  to: number,
  lag: number,
): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = from; i < to; i++) {
    const x = a[i]!;
    const y = b[i + lag]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb || 1);
}

/**
 * Where `recording` (a piece of what was played, started at an unknown point) sits in
 * `reference`, and how alike the two are there: found on 10 ms loudness envelopes first (cheap
 * over seconds of lag), then to the sample. Gives the correlation and the offset in samples.
 */
export function locate(
  reference: Int16Array,
  recording: Int16Array,
): { r: number; offset: number } {
  const envelope = (x: Int16Array) => {
    const out = new Float64Array(Math.floor(x.length / 80));
    for (let w = 0; w < out.length; w++) {
      let e = 0;
      for (let i = w * 80; i < (w + 1) * 80; i++) e += x[i]! * x[i]!;
      out[w] = Math.sqrt(e / 80);
    }
    return out;
  };
  const er = envelope(reference);
  const ec = envelope(recording);
  let best = { r: -1, lag: 0 };
  for (let lag = 0; lag + ec.length / 2 <= er.length; lag++) {
    const n = Math.min(ec.length, er.length - lag);
    const r = similarity(ec, er, 0, n, lag);
    if (r > best.r) best = { r, lag };
  }
  let fine = { r: -1, offset: 0 };
  for (let d = -160; d <= 160; d++) {
    const offset = best.lag * 80 + d;
    if (offset < 0) continue;
    const n = Math.min(recording.length, reference.length - offset);
    if (n < 800) continue;
    const r = similarity(recording, reference, 0, n, offset);
    if (r > fine.r) fine = { r, offset };
  }
  return fine;
}
