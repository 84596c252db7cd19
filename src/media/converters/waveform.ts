import { readFile, writeFile } from 'node:fs/promises';
import { ConversionError, type Converter } from '../converter.js';
import { readWav, samplesOf } from '../wav.js';

/** The format of waveform peaks: what a player draws, computed once on the server. */
export const PEAKS_FORMAT = 'application/vnd.switchboard.peaks+json';
/** Bars in a waveform: enough for a phone-width player, small enough to send with the list. */
const BARS = 200;

/**
 * Peak levels (0..1) of PCM in `bars` equal slices: 16-bit samples (full scale 32768), or
 * decoded floats with `fullScale` 1 (a decoder's overshoot past full scale counts as 1).
 */
export function peaksOf(samples: ArrayLike<number>, bars = BARS, fullScale = 32768): number[] {
  const peaks: number[] = [];
  const per = samples.length / bars;
  for (let b = 0; b < bars; b++) {
    let peak = 0;
    const end = Math.min(samples.length, Math.floor((b + 1) * per));
    for (let i = Math.floor(b * per); i < end; i++) peak = Math.max(peak, Math.abs(samples[i]!));
    peaks.push(Math.round(Math.min(1, peak / fullScale) * 1000) / 1000);
  }
  return peaks;
}

/** audio/wav → waveform peaks and the exact duration, as JSON. */
export const waveform: Converter = {
  id: 'waveform',
  from: 'audio/wav',
  to: PEAKS_FORMAT,
  cost: 1,
  async convert(input, output) {
    const wav = readWav(await readFile(input));
    if (!wav) throw new ConversionError('the WAV file has no audio data', 'bad-input');
    const { rate, channels } = wav;
    const samples = samplesOf(wav.data);
    const durationMs = rate ? Math.round((samples.length / channels / rate) * 1000) : null;
    await writeFile(output, JSON.stringify({ durationMs, peaks: peaksOf(samples) }));
  },
};
