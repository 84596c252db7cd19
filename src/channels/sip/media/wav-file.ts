import { close, fsync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { readWav, samplesOf, wavHeader } from '../../../media/wav.js';

const sync = promisify(fsync);
const closeFd = promisify(close);

/** The 16-bit samples of a mono PCM WAV (what the media service makes as audio/wav;rate=8000). */
export function wavSamples(wav: Buffer): Int16Array {
  const data = readWav(wav)?.data;
  return data ? samplesOf(data) : new Int16Array(0);
}

/** Audio gathered before it goes to disk: one second at 8 kHz, 16 bits. */
const FLUSH_BYTES = 16_000;

/**
 * A recording written to disk as it arrives (a crash keeps all but the last second), its header
 * fixed up and the file synced when it is finished. Writes are gathered: with hundreds of calls
 * recording, a write per 20 ms packet took a third of the event loop, and asynchronous writes
 * (one thread-pool job each) cost more than the small synchronous ones they replaced
 * (bench/README.md). A second of audio is one write into the page cache; only the final sync,
 * which waits for the disk, runs off the event loop.
 */
export class WavRecorder {
  private readonly fd: number;
  /** Bytes of audio, written or waiting. */
  private bytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(readonly path: string) {
    // Read as well as written: the caller may listen to the message before sending it.
    this.fd = openSync(path, 'w+');
    writeSync(this.fd, wavHeader(0));
  }

  get durationMs(): number {
    return Math.round(this.bytes / 16);
  }

  write(pcm: Int16Array): void {
    this.pending.push(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    this.pendingBytes += pcm.byteLength;
    this.bytes += pcm.byteLength;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    writeSync(this.fd, data, 0, data.length, 44 + this.bytes - this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Drops the audio after `ms` (trailing silence), or all of it (`0`, the caller re-records). */
  truncateTo(ms: number): void {
    this.flush();
    this.bytes = Math.min(this.bytes, Math.max(0, Math.round(ms * 8)) * 2);
    ftruncateSync(this.fd, 44 + this.bytes);
  }

  /** What was recorded so far, read back (the caller listens to their message). */
  samples(): Int16Array {
    this.flush();
    const bytes = Buffer.alloc(this.bytes);
    readSync(this.fd, bytes, 0, bytes.length, 44);
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  }

  /**
   * Writes what is waiting and the final sizes into the header, syncs and closes; the file is
   * then a complete WAV. Rejects when a write fails (a full disk), so nothing half-written is
   * stored as a message.
   */
  async finish(): Promise<void> {
    try {
      this.flush();
      ftruncateSync(this.fd, 44 + this.bytes);
      writeSync(this.fd, wavHeader(this.bytes), 0, 44, 0);
      await sync(this.fd);
    } finally {
      await closeFd(this.fd).catch(() => undefined);
    }
  }
}
