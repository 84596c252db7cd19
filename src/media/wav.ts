/** A WAV file's format and its sample bytes (clipped to what is really there). */
export interface WavData {
  rate: number;
  channels: number;
  byteRate: number;
  data: Buffer;
}

/**
 * Walks a RIFF/WAVE file's chunks (odd sizes padded) for `fmt ` and `data`; null when the bytes
 * are not a WAV with audio data. One walker for every reader of WAV here: durations, waveforms,
 * the samples telephony plays.
 */
export function readWav(wav: Buffer): WavData | null {
  if (wav.length < 12 || wav.toString('latin1', 0, 4) !== 'RIFF') return null;
  if (wav.toString('latin1', 8, 12) !== 'WAVE') return null;
  let format = { rate: 0, channels: 1, byteRate: 0 };
  for (let at = 12; at + 8 <= wav.length;) {
    const id = wav.toString('latin1', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 20 <= wav.length)
      format = {
        channels: wav.readUInt16LE(at + 10),
        rate: wav.readUInt32LE(at + 12),
        byteRate: wav.readUInt32LE(at + 16),
      };
    if (id === 'data') {
      const bytes = Math.min(size, wav.length - at - 8);
      return { ...format, data: wav.subarray(at + 8, at + 8 + bytes) };
    }
    at += 8 + size + (size % 2);
  }
  return null;
}

/** 16-bit samples of a WAV's data (copied, so they are aligned whatever the chunk offset). */
export function samplesOf(data: Buffer): Int16Array {
  const copy = Buffer.from(data.subarray(0, data.length & ~1));
  return new Int16Array(copy.buffer, copy.byteOffset, copy.length / 2);
}

/** A WAV header for 16-bit mono PCM with `dataBytes` of samples. */
export function wavHeader(dataBytes: number, rate = 8000): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** 16-bit mono PCM samples as a WAV file. */
export function wavOf(samples: Int16Array, rate = 8000): Buffer {
  return Buffer.concat([
    wavHeader(samples.byteLength, rate),
    Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength),
  ]);
}
