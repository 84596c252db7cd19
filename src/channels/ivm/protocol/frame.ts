/** Live audio frames: an 8-byte header (stream id, sequence number, both u32 big-endian), then one Opus packet. */
export const FRAME_HEADER_BYTES = 8;
/** RFC 6716: the largest Opus packet (one 20 ms frame at the highest rate) is 1275 bytes. */
export const MAX_OPUS_PACKET_BYTES = 1275;
export const MAX_FRAME_BYTES = FRAME_HEADER_BYTES + MAX_OPUS_PACKET_BYTES;
export const MAX_U32 = 0xffff_ffff;

export interface AudioFrame {
  stream: number;
  sequence: number;
  packet: Buffer;
}

export type FrameProblem = 'too-short' | 'too-large' | 'bad-stream';

/** Reads a binary frame; a problem names why it is refused (nothing is thrown). */
export function decodeFrame(data: Buffer): AudioFrame | { problem: FrameProblem } {
  if (data.length <= FRAME_HEADER_BYTES) return { problem: 'too-short' };
  if (data.length > MAX_FRAME_BYTES) return { problem: 'too-large' };
  const stream = data.readUInt32BE(0);
  if (stream === 0) return { problem: 'bad-stream' };
  return {
    stream,
    sequence: data.readUInt32BE(4),
    packet: data.subarray(FRAME_HEADER_BYTES),
  };
}

export function encodeFrame(stream: number, sequence: number, packet: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + packet.length);
  out.writeUInt32BE(stream >>> 0, 0);
  out.writeUInt32BE(sequence >>> 0, 4);
  packet.copy(out, FRAME_HEADER_BYTES);
  return out;
}

/** The same frame under another stream id (what a listener receives): one copy, header rewritten. */
export function restampFrame(stream: number, frame: AudioFrame): Buffer {
  return encodeFrame(stream, frame.sequence, frame.packet);
}
