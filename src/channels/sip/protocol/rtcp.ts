/**
 * RTCP (RFC 3550 6): sender and receiver reports, source descriptions and goodbyes, built into
 * and read from compound packets. Reading is for packets off the network: anything malformed
 * is null, never an exception.
 */

/** An NTP timestamp (RFC 5905): seconds since 1900 and a binary fraction, 32 bits each. */
export interface NtpTime {
  seconds: number;
  fraction: number;
}

/** What a sender says about what it sent (RFC 3550 6.4.1). */
export interface SenderInfo {
  /** When the report was made, by the wall clock. */
  ntp: NtpTime;
  /** The same instant on the stream's RTP clock. */
  rtpTimestamp: number;
  packets: number;
  /** Payload octets, headers and padding left out. */
  octets: number;
}

/** One report block: how a receiver is hearing one source. */
export interface ReportBlock {
  ssrc: number;
  /** Lost since the previous report, in 256ths. */
  fractionLost: number;
  /** Expected less received since the start; 24 bits signed, so duplicates can make it negative. */
  cumulativeLost: number;
  extendedHighest: number;
  /** Interarrival jitter, in timestamp units. */
  jitter: number;
  /** The middle 32 bits of the NTP time of the last SR from the source (0: none yet). */
  lastSr: number;
  /** How long ago that SR came, in 1/65536 s. */
  delaySinceLastSr: number;
}

export const SDES_CNAME = 1;

export interface SdesItem {
  /** 1 CNAME, 2 NAME, 3 EMAIL, 4 PHONE, 5 LOC, 6 TOOL, 7 NOTE, 8 PRIV. */
  type: number;
  text: string;
}

export interface SdesChunk {
  ssrc: number;
  items: SdesItem[];
}

export type RtcpPacket =
  | { type: 'sr'; ssrc: number; sender: SenderInfo; reports: ReportBlock[] }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  | { type: 'sdes'; chunks: SdesChunk[] }
  | { type: 'bye'; sources: number[]; reason?: string }
  /** APP, feedback (RFC 4585), XR (RFC 3611) and the rest: kept whole, understood by nobody. */
  | { type: 'other'; packetType: number; count: number; body: Buffer };

const SR = 200;
const RR = 201;
const SDES = 202;
const BYE = 203;
const BLOCK = 24;

/** Seconds from the NTP epoch (1900) to the Unix one (1970). */
const NTP_UNIX_OFFSET = 2_208_988_800;

export function ntpFromMs(unixMs: number): NtpTime {
  const seconds = Math.floor(unixMs / 1000);
  return {
    seconds: (seconds + NTP_UNIX_OFFSET) >>> 0,
    fraction: Math.floor(((unixMs - seconds * 1000) / 1000) * 2 ** 32) >>> 0,
  };
}

/** Milliseconds since 1970 of an NTP time (in the era that began in 1900, so until 2036). */
export function msFromNtp(ntp: NtpTime): number {
  return (ntp.seconds - NTP_UNIX_OFFSET) * 1000 + (ntp.fraction / 2 ** 32) * 1000;
}

/** The middle 32 bits of an NTP time, in 1/65536 s: what LSR carries (RFC 3550 6.4.1). */
export function compactNtp(ntp: NtpTime): number {
  return (((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0;
}

/**
 * The round trip a report block reveals (RFC 3550 6.4.1): the time it arrived, less when our SR
 * it answers was sent (LSR), less how long the peer held it (DLSR). Null when the peer has had
 * no SR of ours; 0 rather than less when clock rounding makes it negative.
 */
export function roundTripMs(block: ReportBlock, arrival: NtpTime): number | null {
  if (block.lastSr === 0) return null;
  const units = (compactNtp(arrival) - block.lastSr - block.delaySinceLastSr) | 0;
  return Math.max(0, units) / 65.536;
}

/** One compound packet of `packets`, each padded to 32 bits as their formats say. */
export function serializeRtcp(packets: RtcpPacket[]): Buffer {
  return Buffer.concat(packets.map(serializeOne));
}

function serializeOne(packet: RtcpPacket): Buffer {
  switch (packet.type) {
    case 'sr': {
      const body = Buffer.alloc(24);
      body.writeUInt32BE(packet.ssrc >>> 0, 0);
      body.writeUInt32BE(packet.sender.ntp.seconds >>> 0, 4);
      body.writeUInt32BE(packet.sender.ntp.fraction >>> 0, 8);
      body.writeUInt32BE(packet.sender.rtpTimestamp >>> 0, 12);
      body.writeUInt32BE(packet.sender.packets >>> 0, 16);
      body.writeUInt32BE(packet.sender.octets >>> 0, 20);
      return withHeader(SR, packet.reports.length, [body, ...packet.reports.map(serializeBlock)]);
    }
    case 'rr': {
      const ssrc = Buffer.alloc(4);
      ssrc.writeUInt32BE(packet.ssrc >>> 0);
      return withHeader(RR, packet.reports.length, [ssrc, ...packet.reports.map(serializeBlock)]);
    }
    case 'sdes':
      return withHeader(SDES, packet.chunks.length, packet.chunks.map(serializeChunk));
    case 'bye': {
      const sources = Buffer.alloc(packet.sources.length * 4);
      packet.sources.forEach((ssrc, i) => sources.writeUInt32BE(ssrc >>> 0, i * 4));
      const parts = [sources];
      if (packet.reason !== undefined) {
        const text = Buffer.from(packet.reason, 'utf8').subarray(0, 255);
        parts.push(Buffer.from([text.length]), text);
      }
      return withHeader(BYE, packet.sources.length, [padTo4(Buffer.concat(parts))]);
    }
    case 'other':
      return withHeader(packet.packetType, packet.count, [padTo4(packet.body)]);
  }
}

function withHeader(packetType: number, count: number, parts: Buffer[]): Buffer {
  if (count > 31) throw new RangeError(`RTCP: ${count} items do not fit a 5-bit count`);
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(4);
  head[0] = 0x80 | count;
  head[1] = packetType;
  head.writeUInt16BE(body.length / 4, 2); // in 32-bit words, less the header's one
  return Buffer.concat([head, body]);
}

function serializeBlock(block: ReportBlock): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.writeUInt32BE(block.ssrc >>> 0, 0);
  b[4] = Math.max(0, Math.min(255, block.fractionLost));
  b.writeIntBE(Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost)), 5, 3);
  b.writeUInt32BE(block.extendedHighest >>> 0, 8);
  b.writeUInt32BE(block.jitter >>> 0, 12);
  b.writeUInt32BE(block.lastSr >>> 0, 16);
  b.writeUInt32BE(block.delaySinceLastSr >>> 0, 20);
  return b;
}

/** A chunk's items end with a null octet, and the chunk with nulls to the next 32 bits. */
function serializeChunk(chunk: SdesChunk): Buffer {
  const parts = [Buffer.alloc(4)];
  parts[0]!.writeUInt32BE(chunk.ssrc >>> 0);
  for (const item of chunk.items) {
    const text = Buffer.from(item.text, 'utf8').subarray(0, 255);
    parts.push(Buffer.from([item.type, text.length]), text);
  }
  const items = Buffer.concat(parts);
  return Buffer.concat([items, Buffer.alloc(4 - (items.length % 4))]);
}

function padTo4(b: Buffer): Buffer {
  return b.length % 4 ? Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]) : b;
}

/**
 * The packets of a compound RTCP packet, or null unless its lengths add up exactly (RFC 3550
 * A.2): every packet version 2 with an RTCP type (192-223, which is also what tells RTCP from
 * RTP on a shared port, RFC 5761), padding only on the last. Reduced-size RTCP (RFC 5506) is let
 * through: the first packet need not be a report.
 */
export function parseRtcp(data: Buffer): RtcpPacket[] | null {
  if (data.length < 4 || data.length % 4 !== 0) return null;
  const packets: RtcpPacket[] = [];
  for (let at = 0; at < data.length;) {
    if (data.length - at < 4) return null;
    const first = data[at]!;
    const packetType = data[at + 1]!;
    if (first >> 6 !== 2 || packetType < 192 || packetType > 223) return null;
    const end = at + (data.readUInt16BE(at + 2) + 1) * 4;
    if (end > data.length) return null;
    let bodyEnd = end;
    if (first & 0x20) {
      const padding = data[end - 1]!;
      if (end !== data.length || padding === 0 || padding > end - at - 4) return null;
      bodyEnd -= padding;
    }
    const packet = parseOne(packetType, first & 0x1f, data.subarray(at + 4, bodyEnd));
    if (!packet) return null;
    packets.push(packet);
    at = end;
  }
  return packets;
}

function parseOne(packetType: number, count: number, body: Buffer): RtcpPacket | null {
  switch (packetType) {
    case SR: {
      if (body.length < 24 + count * BLOCK) return null;
      return {
        type: 'sr',
        ssrc: body.readUInt32BE(0),
        sender: {
          ntp: { seconds: body.readUInt32BE(4), fraction: body.readUInt32BE(8) },
          rtpTimestamp: body.readUInt32BE(12),
          packets: body.readUInt32BE(16),
          octets: body.readUInt32BE(20),
        },
        // Anything after the blocks is a profile's extension, which the AVP profile has none of.
        reports: parseBlocks(body.subarray(24), count),
      };
    }
    case RR:
      if (body.length < 4 + count * BLOCK) return null;
      return {
        type: 'rr',
        ssrc: body.readUInt32BE(0),
        reports: parseBlocks(body.subarray(4), count),
      };
    case SDES:
      return parseSdes(body, count);
    case BYE: {
      if (body.length < count * 4) return null;
      const sources = Array.from({ length: count }, (_, i) => body.readUInt32BE(i * 4));
      const rest = body.subarray(count * 4);
      if (rest.length === 0) return { type: 'bye', sources };
      if (1 + rest[0]! > rest.length) return null;
      return { type: 'bye', sources, reason: rest.toString('utf8', 1, 1 + rest[0]!) };
    }
    default:
      return { type: 'other', packetType, count, body: Buffer.from(body) };
  }
}

function parseBlocks(data: Buffer, count: number): ReportBlock[] {
  return Array.from({ length: count }, (_, i) => {
    const at = i * BLOCK;
    return {
      ssrc: data.readUInt32BE(at),
      fractionLost: data[at + 4]!,
      cumulativeLost: data.readIntBE(at + 5, 3),
      extendedHighest: data.readUInt32BE(at + 8),
      jitter: data.readUInt32BE(at + 12),
      lastSr: data.readUInt32BE(at + 16),
      delaySinceLastSr: data.readUInt32BE(at + 20),
    };
  });
}

function parseSdes(body: Buffer, count: number): RtcpPacket | null {
  const chunks: SdesChunk[] = [];
  let at = 0;
  for (let c = 0; c < count; c++) {
    if (at + 4 > body.length) return null;
    const chunk: SdesChunk = { ssrc: body.readUInt32BE(at), items: [] };
    at += 4;
    for (;;) {
      if (at >= body.length) return null;
      const type = body[at]!;
      if (type === 0) break;
      if (at + 2 > body.length || at + 2 + body[at + 1]! > body.length) return null;
      chunk.items.push({ type, text: body.toString('utf8', at + 2, at + 2 + body[at + 1]!) });
      at += 2 + body[at + 1]!;
    }
    // The terminating null, then nulls to the next 32-bit boundary (the body starts on one).
    at = (at + 4) & ~3;
    if (at > body.length) return null;
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}
