/** An RTP packet (RFC 3550 5.1), without header extensions' contents or CSRC lists kept. */
export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

/** Reads one RTP packet; null for anything that is not RTP version 2 (RTCP, STUN, noise). */
export function parseRtp(data: Buffer): RtpPacket | null {
  if (data.length < 12 || data[0]! >> 6 !== 2) return null;
  const payloadType = data[1]! & 0x7f;
  // 72-76 are RTCP packet types sharing the port under rtcp-mux (RFC 5761).
  if (payloadType >= 72 && payloadType <= 76) return null;
  const csrcCount = data[0]! & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (data[0]! & 0x10) {
    if (data.length < offset + 4) return null;
    offset += 4 + data.readUInt16BE(offset + 2) * 4;
  }
  let end = data.length;
  if (data[0]! & 0x20) end -= data[data.length - 1]!;
  if (offset > end) return null;
  return {
    payloadType,
    marker: (data[1]! & 0x80) !== 0,
    sequence: data.readUInt16BE(2),
    timestamp: data.readUInt32BE(4),
    ssrc: data.readUInt32BE(8),
    payload: data.subarray(offset, end),
  };
}

export function serializeRtp(p: RtpPacket): Buffer {
  const head = Buffer.alloc(12);
  head[0] = 0x80;
  head[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  head.writeUInt16BE(p.sequence & 0xffff, 2);
  head.writeUInt32BE(p.timestamp >>> 0, 4);
  head.writeUInt32BE(p.ssrc >>> 0, 8);
  return Buffer.concat([head, p.payload]);
}

/**
 * Counts what arrives on one stream: packets, sequence gaps (lost, until a late packet fills
 * one), and packets that came out of order or twice, with sequence numbers unwrapped past 65535
 * (RFC 3550 A.1).
 */
export class ReceptionStats {
  received = 0;
  lost = 0;
  late = 0;
  private highest = -1;
  private readonly recent = new Set<number>();

  /** True when the packet is new and in order; false for one that came late or twice. */
  note(sequence: number): boolean {
    this.received++;
    if (this.highest < 0) {
      this.highest = sequence;
      this.remember(sequence);
      return true;
    }
    const delta = (sequence - (this.highest & 0xffff) + 0x10000) & 0xffff;
    if (delta === 0 || delta > 0x8000) {
      const extended = this.highest - ((this.highest - sequence + 0x10000) & 0xffff);
      this.late++;
      // A late packet fills the gap it was counted in; a duplicate fills nothing.
      if (!this.recent.has(extended)) {
        this.lost = Math.max(0, this.lost - 1);
        this.remember(extended);
      }
      return false;
    }
    this.lost += delta - 1;
    this.highest += delta;
    this.remember(this.highest);
    return true;
  }

  private remember(extended: number): void {
    this.recent.add(extended);
    if (this.recent.size > 1024) this.recent.delete(this.recent.values().next().value!);
  }
}
