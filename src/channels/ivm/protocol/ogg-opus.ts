/**
 * An Ogg Opus writer (RFC 7845 over RFC 3533), small enough to read: an OpusHead page, an
 * OpusTags page, then audio pages of whole packets with granule positions in 48 kHz samples.
 * It hands out finished pages, so a caller can append them to a spool file as packets arrive.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** Ogg's CRC-32: polynomial 0x04c11db7, no reflection, initial 0, no final xor. */
export function oggCrc(data: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < data.length; i++)
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ data[i]!) & 0xff]!) >>> 0;
  return crc >>> 0;
}

const HEADER_TYPE_BOS = 0x02;
const HEADER_TYPE_EOS = 0x04;
/** Samples of 48 kHz audio in one 20 ms packet. */
export const SAMPLES_PER_FRAME = 960;
/** RFC 7845 5.1: the encoder delay a decoder skips; libopus's usual value. */
export const PRE_SKIP = 312;

export interface OggPage {
  granule: bigint;
  serial: number;
  sequence: number;
  headerType: number;
  packets: Buffer[];
}

/** One Ogg page holding whole packets (each under 255 segments' worth). */
export function encodePage(page: OggPage): Buffer {
  const lacing: number[] = [];
  for (const p of page.packets) {
    let n = p.length;
    while (n >= 255) {
      lacing.push(255);
      n -= 255;
    }
    lacing.push(n);
  }
  if (lacing.length > 255) throw new Error('too many segments for one Ogg page');
  const header = Buffer.alloc(27 + lacing.length);
  header.write('OggS', 0, 'latin1');
  header[4] = 0;
  header[5] = page.headerType;
  header.writeBigInt64LE(page.granule, 6);
  header.writeUInt32LE(page.serial >>> 0, 14);
  header.writeUInt32LE(page.sequence >>> 0, 18);
  header.writeUInt32LE(0, 22);
  header[26] = lacing.length;
  for (let i = 0; i < lacing.length; i++) header[27 + i] = lacing[i]!;
  const out = Buffer.concat([header, ...page.packets]);
  out.writeUInt32LE(oggCrc(out), 22);
  return out;
}

function opusHead(channels: number, sampleRate: number): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1;
  head[9] = channels;
  head.writeUInt16LE(PRE_SKIP, 10);
  head.writeUInt32LE(sampleRate, 12);
  head.writeInt16LE(0, 16);
  head[18] = 0;
  return head;
}

function opusTags(vendor: string): Buffer {
  const v = Buffer.from(vendor, 'utf8');
  const tags = Buffer.alloc(8 + 4 + v.length + 4);
  tags.write('OpusTags', 0, 'latin1');
  tags.writeUInt32LE(v.length, 8);
  v.copy(tags, 12);
  tags.writeUInt32LE(0, 12 + v.length);
  return tags;
}

export interface OggOpusOptions {
  serial: number;
  channels?: number;
  sampleRate?: number;
  /** Packets per audio page: a page is handed out when it holds this many. */
  packetsPerPage?: number;
}

/**
 * Packets in, pages out. Lost packets (a gap in sequence numbers) become empty Opus frames
 * (a TOC byte alone, RFC 6716 3.2.1), which a decoder conceals: the timeline stays right.
 */
export class OggOpusWriter {
  private sequence = 0;
  private granule = 0n;
  private pending: Buffer[] = [];
  private readonly perPage: number;
  private lastToc = 0xf8;
  private packetCount = 0;

  constructor(private readonly options: OggOpusOptions) {
    this.perPage = Math.max(1, Math.min(options.packetsPerPage ?? 50, 250));
  }

  /** The two header pages: OpusHead (beginning of stream) and OpusTags. */
  headers(vendor = 'switchboard'): Buffer {
    const head = encodePage({
      granule: 0n,
      serial: this.options.serial,
      sequence: this.sequence++,
      headerType: HEADER_TYPE_BOS,
      packets: [opusHead(this.options.channels ?? 1, this.options.sampleRate ?? 48000)],
    });
    const tags = encodePage({
      granule: 0n,
      serial: this.options.serial,
      sequence: this.sequence++,
      headerType: 0,
      packets: [opusTags(vendor)],
    });
    return Buffer.concat([head, tags]);
  }

  /** Packets written, lost ones filled in included. */
  get packets(): number {
    return this.packetCount;
  }

  /** Milliseconds of audio written so far (20 ms a packet). */
  get durationMs(): number {
    return this.packetCount * 20;
  }

  /** Adds one packet; returns a finished page when one is full, else null. */
  add(packet: Buffer): Buffer | null {
    if (packet.length > 0) this.lastToc = packet[0]!;
    this.pending.push(packet);
    this.packetCount++;
    this.granule += BigInt(SAMPLES_PER_FRAME);
    return this.pending.length >= this.perPage ? this.flush(false) : null;
  }

  /** Adds `count` lost packets: empty frames of the last packet's configuration. */
  addLost(count: number): Buffer[] {
    const out: Buffer[] = [];
    // Code 0 (one frame) with the same mode and bandwidth as the last packet, and no data.
    const toc = Buffer.from([this.lastToc & 0xfc]);
    for (let i = 0; i < count; i++) {
      const page = this.add(toc);
      if (page) out.push(page);
    }
    return out;
  }

  /** The rest as a last page marked end of stream. */
  end(): Buffer {
    return this.flush(true);
  }

  private flush(last: boolean): Buffer {
    const packets = this.pending;
    this.pending = [];
    return encodePage({
      granule: this.granule,
      serial: this.options.serial,
      sequence: this.sequence++,
      headerType: last ? HEADER_TYPE_EOS : 0,
      packets,
    });
  }
}

/** Reads the packets of an Ogg stream back (for tests and checks); null on a damaged page. */
export function readOggPackets(data: Buffer): Buffer[] | null {
  const packets: Buffer[] = [];
  let partial: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    if (data.length - at < 27 || data.toString('latin1', at, at + 4) !== 'OggS') return null;
    const segments = data[at + 26]!;
    const lacing = data.subarray(at + 27, at + 27 + segments);
    let body = at + 27 + segments;
    const pageEnd = body + lacing.reduce((a, b) => a + b, 0);
    if (pageEnd > data.length) return null;
    const page = Buffer.from(data.subarray(at, pageEnd));
    const crc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    if (oggCrc(page) !== crc) return null;
    for (const n of lacing) {
      partial.push(data.subarray(body, body + n));
      body += n;
      if (n < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    at = pageEnd;
  }
  return packets;
}
