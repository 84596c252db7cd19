import { close, fsync, ftruncate, openSync, read, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { readWav, samplesOf, wavHeader } from '../../../media/wav.js';

const writeAt = promisify(write) as (
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
) => Promise<{ bytesWritten: number }>;
const readAt = promisify(read) as (
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
) => Promise<{ bytesRead: number }>;
const truncate = promisify(ftruncate);
const sync = promisify(fsync);
const closeFd = promisify(close);

/** The 16-bit samples of a mono PCM WAV (what the media service makes as audio/wav;rate=8000). */
export function wavSamples(wav: Buffer): Int16Array {
  const data = readWav(wav)?.data;
  return data ? samplesOf(data) : new Int16Array(0);
}

/** Audio gathered before it goes to disk: half a second at 8 kHz, 16 bits. */
const FLUSH_BYTES = 8000;

/**
 * A recording written to disk as it arrives (a crash keeps all but the last half second), its
 * header fixed up and the file synced when it is finished. Writes are gathered and made without
 * blocking: with hundreds of calls recording, a synchronous write per 20 ms packet held the
 * event loop for a third of its time (bench/README.md). File operations run in order on one
 * chain, so a truncation or a read-back sees every write before it.
 */
export class WavRecorder {
  private readonly fd: number;
  /** Bytes of audio, written or waiting. */
  private bytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;

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

  private then(step: () => Promise<unknown>): Promise<unknown> {
    this.chain = this.chain.then(step).catch((err: Error) => {
      // Kept for finish(), which reports it: a recording that did not reach the disk.
      this.failure ??= err;
    });
    return this.chain;
  }

  private flush(): Promise<unknown> {
    if (this.pendingBytes === 0) return this.chain;
    const data = Buffer.concat(this.pending);
    const at = 44 + this.bytes - this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    return this.then(() => writeAt(this.fd, data, 0, data.length, at));
  }

  /** Drops the audio after `ms` (trailing silence), or all of it (`0`, the caller re-records). */
  truncateTo(ms: number): void {
    this.flush();
    this.bytes = Math.min(this.bytes, Math.max(0, Math.round(ms * 8)) * 2);
    const size = 44 + this.bytes;
    void this.then(() => truncate(this.fd, size));
  }

  /** What was recorded so far, read back (the caller listens to their message). */
  async samples(): Promise<Int16Array> {
    await this.flush();
    const bytes = Buffer.alloc(this.bytes);
    await readAt(this.fd, bytes, 0, bytes.length, 44);
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  }

  /**
   * Writes what is waiting and the final sizes into the header, syncs and closes; the file is
   * then a complete WAV. Rejects when any write failed (a full disk), so nothing half-written
   * is stored as a message.
   */
  async finish(): Promise<void> {
    this.flush();
    const size = this.bytes;
    await this.then(async () => {
      await truncate(this.fd, 44 + size);
      await writeAt(this.fd, wavHeader(size), 0, 44, 0);
      await sync(this.fd);
    });
    await closeFd(this.fd).catch(() => undefined);
    if (this.failure) throw this.failure;
  }
}
