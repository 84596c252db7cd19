/**
 * UDPTL (ITU-T T.38 clause 9.1 and Annex D): T.38's IFP packets over UDP, each datagram
 * a sequence number, the primary IFP packet and, for error recovery, either copies of the
 * packets before it (redundancy) or parity (FEC). ASN.1 PER (aligned) with its length
 * determinants, as every gateway sends it. We send redundancy; we take both, using the
 * redundant copies to fill gaps and FEC datagrams for their primary packet only.
 */

/** One UDPTL datagram; `secondary[0]` is the packet of `seq - 1`, `[1]` of `seq - 2`, ... */
export interface UdptlPacket {
  seq: number;
  primary: Buffer;
  secondary: Buffer[];
}

/** The largest IFP packet we take (T38FaxMaxDatagram bounds whole datagrams far below). */
export const MAX_IFP_BYTES = 4096;
/** The most redundant copies one datagram may carry. */
const MAX_SECONDARY = 16;

class Malformed extends Error {}

class Reader {
  at = 0;
  constructor(private readonly data: Buffer) {}

  byte(): number {
    if (this.at >= this.data.length) throw new Malformed('truncated');
    return this.data[this.at++]!;
  }

  /** An X.691 length determinant; fragmented (16K and more) lengths are not T.38's. */
  length(): number {
    const first = this.byte();
    if ((first & 0x80) === 0) return first;
    if ((first & 0xc0) === 0x80) return ((first & 0x3f) << 8) | this.byte();
    throw new Malformed('fragmented length');
  }

  /** An open type: a length and that many bytes. */
  octets(max: number): Buffer {
    const length = this.length();
    if (length > max) throw new Malformed('too long');
    if (this.at + length > this.data.length) throw new Malformed('truncated');
    const out = Buffer.from(this.data.subarray(this.at, this.at + length));
    this.at += length;
    return out;
  }

  get done(): boolean {
    return this.at === this.data.length;
  }
}

/** Parses one datagram; null when it is not well-formed UDPTL (never throws). */
export function parseUdptl(data: Buffer): UdptlPacket | null {
  try {
    const r = new Reader(data);
    const seq = (r.byte() << 8) | r.byte();
    const primary = r.octets(MAX_IFP_BYTES);
    if (primary.length === 0) return null;
    const secondary: Buffer[] = [];
    const recovery = r.byte();
    if ((recovery & 0x80) === 0) {
      const count = r.length();
      if (count > MAX_SECONDARY) return null;
      for (let i = 0; i < count; i++) secondary.push(r.octets(MAX_IFP_BYTES));
    } else {
      // fec-info: fec-npackets (an integer: its length, then its value), then the parity
      // entries. Read so that the datagram is known whole; the parity is not used.
      const size = r.length();
      if (size < 1 || size > 2) return null;
      for (let i = 0; i < size; i++) r.byte();
      const count = r.length();
      if (count > MAX_SECONDARY) return null;
      for (let i = 0; i < count; i++) r.octets(MAX_IFP_BYTES);
    }
    return r.done ? { seq, primary, secondary } : null;
  } catch (err) {
    if (err instanceof Malformed) return null;
    throw err;
  }
}

function lengthOf(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([0x80 | (n >> 8), n & 0xff]);
  throw new RangeError(`a UDPTL field of ${n} bytes`);
}

/** One datagram with redundancy (the choice T38FaxUdpEC:t38UDPRedundancy names). */
export function serializeUdptl(packet: UdptlPacket): Buffer {
  const field = (b: Buffer) => [lengthOf(b.length), b];
  return Buffer.concat([
    Buffer.from([(packet.seq >> 8) & 0xff, packet.seq & 0xff]),
    ...field(packet.primary),
    Buffer.from([0x00]),
    lengthOf(packet.secondary.length),
    ...packet.secondary.flatMap(field),
  ]);
}

/** Frames our IFP packets: consecutive sequence numbers, each with the `redundancy` before it. */
export class UdptlSender {
  private seq = 0;
  private readonly previous: Buffer[] = [];

  constructor(private readonly redundancy = 3) {}

  frame(ifp: Buffer): Buffer {
    const datagram = serializeUdptl({
      seq: this.seq,
      primary: ifp,
      secondary: this.previous.slice(0, this.redundancy),
    });
    this.seq = (this.seq + 1) & 0xffff;
    this.previous.unshift(ifp);
    this.previous.length = Math.min(this.previous.length, this.redundancy);
    return datagram;
  }
}

export interface UdptlStats {
  /** Datagrams taken. */
  received: number;
  /** Packets missing from the sequence that a later datagram's redundancy brought. */
  recovered: number;
  /** Packets missing from the sequence for good. */
  lost: number;
  /** Datagrams that came after their sequence number had passed (late or repeated). */
  late: number;
  /** Datagrams whose sequence number jumped too far to be loss (the numbering started over). */
  jumps: number;
  /** Datagrams that were not UDPTL (dropped). */
  malformed: number;
}

/**
 * How far the sequence may move, ahead or back, and still be the same numbering: past this a
 * datagram is taken as the start of a new numbering (a far end that restarted it, or a garbled
 * number) rather than as thousands of lost packets, or as late forever after.
 */
const MAX_GAP = 100;

/**
 * The far end's datagrams as IFP packets in sequence order: repeats and late ones dropped,
 * gaps filled from the redundancy of the datagram that follows them where it reaches, and
 * what stays missing left as a gap in the sequence numbers (spandsp sees it as lost). The
 * numbers given out are our own count, equal to the far end's until its numbering jumps: a
 * jump is followed, but the engine sees the stream carry on without a gap.
 */
export class UdptlReceiver {
  /** The far end's next sequence number, and ours for it. */
  private expected: number | null = null;
  private ours = 0;
  readonly stats: UdptlStats = {
    received: 0,
    recovered: 0,
    lost: 0,
    late: 0,
    jumps: 0,
    malformed: 0,
  };

  /** The packets a datagram brings, oldest first; none for a malformed, late or repeated one. */
  datagram(data: Buffer): Array<{ seq: number; ifp: Buffer }> {
    const packet = parseUdptl(data);
    if (!packet) {
      this.stats.malformed++;
      return [];
    }
    if (this.expected === null) {
      this.expected = packet.seq;
      this.ours = packet.seq;
    }
    let ahead = (packet.seq - this.expected) & 0xffff;
    if (ahead > MAX_GAP && 0x10000 - ahead > MAX_GAP) {
      this.stats.jumps++;
      ahead = 0;
    } else if (ahead >= 0x8000) {
      this.stats.late++;
      return [];
    }
    this.stats.received++;
    const out: Array<{ seq: number; ifp: Buffer }> = [];
    for (let missing = ahead; missing > 0; missing--) {
      const copy = packet.secondary[missing - 1];
      if (copy?.length) {
        out.push({ seq: (this.ours + ahead - missing) & 0xffff, ifp: copy });
        this.stats.recovered++;
      } else this.stats.lost++;
    }
    out.push({ seq: (this.ours + ahead) & 0xffff, ifp: packet.primary });
    this.expected = (packet.seq + 1) & 0xffff;
    this.ours = (this.ours + ahead + 1) & 0xffff;
    return out;
  }
}
