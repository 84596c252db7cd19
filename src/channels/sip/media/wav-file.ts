import { readWav, samplesOf, wavHeader } from '../../../media/wav.js';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/** The 16-bit samples of a mono PCM WAV (what the media service makes as audio/wav;rate=8000). */
export function wavSamples(wav: Buffer): Int16Array {
  const data = readWav(wav)?.data;
  return data ? samplesOf(data) : new Int16Array(0);
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
