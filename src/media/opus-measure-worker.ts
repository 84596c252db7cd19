import { parentPort } from 'node:worker_threads';
import { OpusDecoder } from 'opus-decoder';
import { peaksOf } from './converters/waveform.js';

/**
 * The worker thread of opus-measure.ts: decodes a message's Opus packets (libopus in
 * WebAssembly) at 8 kHz mono, and gives its duration and waveform. One job at a time, in order.
 */

/** 8 kHz is plenty for 200 bars and a duration to the millisecond, and the cheapest to decode. */
const RATE = 8000;
/** A packet that decodes to nothing (damaged, or empty) still took its 20 ms of the timeline. */
const FRAME_SAMPLES = RATE / 50;

export interface MeasureJob {
  id: number;
  /** The packets one after another, and each one's length. */
  data: ArrayBuffer;
  lengths: ArrayBuffer;
  /** OpusHead's pre-skip, in 48 kHz samples: decoder delay that is not part of the audio. */
  preSkip: number;
}

export type MeasureAnswer =
  { id: number; durationMs: number; waveform: number[] } | { id: number; error: string };

const decoder = new OpusDecoder({ channels: 1, sampleRate: RATE });

async function measure(job: MeasureJob): Promise<MeasureAnswer> {
  await decoder.ready;
  await decoder.reset();
  const lengths = new Uint32Array(job.lengths);
  const data = new Uint8Array(job.data);
  const chunks: Float32Array[] = [];
  let total = 0;
  let at = 0;
  for (const length of lengths) {
    const packet = data.subarray(at, at + length);
    at += length;
    const decoded = length > 0 ? decoder.decodeFrame(packet) : null;
    const samples =
      decoded && decoded.samplesDecoded > 0
        ? decoded.channelData[0]!.subarray(0, decoded.samplesDecoded)
        : new Float32Array(FRAME_SAMPLES);
    // The decoder reuses its output memory: keep a copy.
    chunks.push(samples.slice());
    total += samples.length;
  }
  const skip = Math.min(total, Math.round((job.preSkip * RATE) / 48000));
  const pcm = new Float32Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    pcm.set(chunk, offset);
    offset += chunk.length;
  }
  const audio = pcm.subarray(skip);
  return {
    id: job.id,
    durationMs: Math.round((audio.length / RATE) * 1000),
    waveform: audio.length > 0 ? peaksOf(audio, undefined, 1) : [],
  };
}

let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (job: MeasureJob) => {
  queue = queue.then(async () => {
    let answer: MeasureAnswer;
    try {
      answer = await measure(job);
    } catch (err) {
      answer = { id: job.id, error: err instanceof Error ? err.message : String(err) };
    }
    parentPort!.postMessage(answer);
  });
});
