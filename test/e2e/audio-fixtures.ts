import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** 16-bit mono PCM as a WAV file. */
export function wavOf(samples: Int16Array, rate = 8000): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVEfmt ', 8, 'latin1');
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(1, 22);
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36, 'latin1');
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
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
