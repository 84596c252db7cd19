import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

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

/** The 16-bit samples of a mono PCM WAV (what the media service makes as audio/wav;rate=8000). */
export function wavSamples(wav: Buffer): Int16Array {
  let at = 12;
  while (at + 8 <= wav.length) {
    const id = wav.toString('latin1', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'data') {
      const bytes = Math.min(size, wav.length - at - 8) & ~1;
      const copy = Buffer.from(wav.subarray(at + 8, at + 8 + bytes));
      return new Int16Array(copy.buffer, copy.byteOffset, bytes / 2);
    }
    at += 8 + size + (size % 2);
  }
  return new Int16Array(0);
}

/**
 * A recording written to disk as it arrives (a crash keeps what came so far), its header fixed
 * up and the file synced when it is finished.
 */
export class WavRecorder {
  private readonly fd: number;
  private bytes = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, wavHeader(0));
  }

  get durationMs(): number {
    return Math.round(this.bytes / 16);
  }

  write(pcm: Int16Array): void {
    const bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    writeSync(this.fd, bytes, 0, bytes.length, 44 + this.bytes);
    this.bytes += bytes.length;
  }

  /** Writes the final sizes into the header and syncs; the file is then a complete WAV. */
  finish(): void {
    writeSync(this.fd, wavHeader(this.bytes), 0, 44, 0);
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}
