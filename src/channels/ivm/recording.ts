import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { OggOpusWriter } from './protocol/ogg-opus.js';

/** Packets a page holds: half a second, so a spool file is never far behind the talker. */
const PACKETS_PER_PAGE = 25;
/** A jump in sequence numbers filled with silence at most this far (then the stream is over its time). */
const MAX_GAP_FRAMES = 50 * 60;

export type FrameOutcome = 'written' | 'out-of-order' | 'full';

/**
 * One voice message being recorded: its packets go into an Ogg Opus spool file in the data
 * folder as they arrive, lost packets filled with concealment frames, until `maxFrames`.
 */
export class Recording {
  private readonly writer: OggOpusWriter;
  private readonly out: WriteStream;
  private lastSequence = -1;
  private failed: Error | null = null;

  constructor(
    readonly file: string,
    serial: number,
    private readonly maxFrames: number,
  ) {
    this.writer = new OggOpusWriter({ serial, packetsPerPage: PACKETS_PER_PAGE });
    this.out = createWriteStream(file, { flags: 'wx' });
    this.out.on('error', (err) => (this.failed = err));
    this.out.write(this.writer.headers());
  }

  get packets(): number {
    return this.writer.packets;
  }

  get durationMs(): number {
    return this.writer.durationMs;
  }

  get full(): boolean {
    return this.writer.packets >= this.maxFrames;
  }

  add(sequence: number, packet: Buffer): FrameOutcome {
    if (sequence <= this.lastSequence) return 'out-of-order';
    if (this.full) return 'full';
    const gap = Math.min(
      sequence - this.lastSequence - 1,
      MAX_GAP_FRAMES,
      this.maxFrames - this.writer.packets,
    );
    this.lastSequence = sequence;
    for (const page of this.writer.addLost(gap)) this.out.write(page);
    if (this.full) return 'full';
    const page = this.writer.add(packet);
    if (page) this.out.write(page);
    return 'written';
  }

  /** Writes the last page and waits until the file is on disk. */
  async finish(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.out.end(this.writer.end(), () => (this.failed ? reject(this.failed) : resolve()));
    });
    if (this.failed) throw this.failed;
  }

  async discard(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.out.closed) resolve();
      else this.out.end(() => resolve());
    });
    await rm(this.file, { force: true });
  }
}
