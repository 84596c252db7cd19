import { readFile, writeFile } from 'node:fs/promises';
import { ConversionError, type Converter } from '../converter.js';

/** The format of waveform peaks: what a player draws, computed once on the server. */
export const PEAKS_FORMAT = 'application/vnd.switchboard.peaks+json';
/** Bars in a waveform: enough for a phone-width player, small enough to send with the list. */
const BARS = 200;

/** Peak levels (0..1) of 16-bit PCM in `bars` equal slices. */
export function peaksOf(samples: Int16Array, bars = BARS): number[] {
  const peaks: number[] = [];
  const per = samples.length / bars;
  for (let b = 0; b < bars; b++) {
    let peak = 0;
    const end = Math.min(samples.length, Math.floor((b + 1) * per));
    for (let i = Math.floor(b * per); i < end; i++) peak = Math.max(peak, Math.abs(samples[i]!));
    peaks.push(Math.round((peak / 32768) * 1000) / 1000);
  }
  return peaks;
}

/** The samples of a 16-bit PCM WAV file (the planner hands this converter audio/wav). */
function pcmOf(wav: Buffer): { samples: Int16Array; rate: number; channels: number } {
  let rate = 0;
  let channels = 1;
  for (let at = 12; at + 8 <= wav.length;) {
    const id = wav.toString('latin1', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      channels = wav.readUInt16LE(at + 10);
      rate = wav.readUInt32LE(at + 12);
    }
    if (id === 'data') {
      const bytes = Math.min(size, wav.length - at - 8) & ~1;
      const copy = Buffer.from(wav.subarray(at + 8, at + 8 + bytes));
      return { samples: new Int16Array(copy.buffer, copy.byteOffset, bytes / 2), rate, channels };
    }
    at += 8 + size + (size % 2);
  }
  throw new ConversionError('the WAV file has no audio data', 'bad-input');
}

/** audio/wav → waveform peaks and the exact duration, as JSON. */
export const waveform: Converter = {
  id: 'waveform',
  from: 'audio/wav',
  to: PEAKS_FORMAT,
  cost: 1,
  async convert(input, output) {
    const { samples, rate, channels } = pcmOf(await readFile(input));
    const durationMs = rate ? Math.round((samples.length / channels / rate) * 1000) : null;
    await writeFile(output, JSON.stringify({ durationMs, peaks: peaksOf(samples) }));
  },
};
