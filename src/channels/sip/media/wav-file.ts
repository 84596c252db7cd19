import { readWav, samplesOf, wavHeader } from '../../../media/wav.js';
import { closeSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';

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
    // Read as well as written: the caller may listen to the message before sending it.
    this.fd = openSync(path, 'w+');
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

  /** Drops the audio after `ms` (trailing silence), or all of it (`0`, the caller re-records). */
  truncateTo(ms: number): void {
    this.bytes = Math.min(this.bytes, Math.max(0, Math.round(ms * 8)) * 2);
    ftruncateSync(this.fd, 44 + this.bytes);
  }

  /** What was recorded so far, read back (the caller listens to their message). */
  samples(): Int16Array {
    const bytes = Buffer.alloc(this.bytes);
    readSync(this.fd, bytes, 0, bytes.length, 44);
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  }

  /** Writes the final sizes into the header and syncs; the file is then a complete WAV. */
  finish(): void {
    ftruncateSync(this.fd, 44 + this.bytes);
    writeSync(this.fd, wavHeader(this.bytes), 0, 44, 0);
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}
