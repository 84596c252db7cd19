import { HEADER_BYTES } from './smpp-wire.js';

/** A command_length no PDU can have: the stream cannot be followed any further. */
export class FramingError extends Error {}

/**
 * Cuts a TCP byte stream into whole PDUs by their command_length (the first four octets). Holds
 * at most one PDU's worth of bytes: a length below the 16-octet header or above `maxBytes` ends
 * the stream, so a peer can make us buffer no more than that.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.length += chunk.length;
    const frames: Buffer[] = [];
    while (this.length >= 4) {
      const buffered = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [buffered];
      const size = buffered.readUInt32BE(0);
      if (size < HEADER_BYTES || size > this.maxBytes)
        throw new FramingError(
          `command_length ${size} is outside ${HEADER_BYTES}..${this.maxBytes}`,
        );
      if (this.length < size) break;
      frames.push(buffered.subarray(0, size));
      this.chunks = size < buffered.length ? [buffered.subarray(size)] : [];
      this.length -= size;
    }
    return frames;
  }
}
