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

/** What an RTCP report block (RFC 3550 6.4.1) says about one stream, as `report()` takes it. */
export interface ReceptionReport {
  /** Cycles of the sequence number in the high 16 bits, the highest number seen in the low. */
  extendedHighest: number;
  /** Expected less received since the first packet (duplicates make it smaller, even negative). */
  cumulativeLost: number;
  /** Of the packets expected since the previous report, the share lost, in 256ths (0-255). */
  fractionLost: number;
  /** Interarrival jitter, in timestamp units. */
  jitter: number;
}

export interface ReceptionOptions {
  /** The RTP clock, in timestamp units a second: 8000 for G.711. */
  clockRate?: number;
  /**
   * How far behind its schedule a packet may come before a jitter buffer would have played past
   * it: later than this many ms beyond the quickest transit yet seen, and it counts as late.
   */
  lateAfterMs?: number;
}

/**
 * Counts what arrives on one stream (one SSRC: start afresh when it changes): packets, sequence
 * gaps (lost, until a packet that came out of order fills one), packets that came out of order
 * or twice, with sequence numbers unwrapped past 65535 (RFC 3550 A.1). Given RTP timestamps and
 * arrival times too, it keeps interarrival jitter (A.8) and counts packets that came too late to
 * be played, whatever their order.
 */
export class ReceptionStats {
  received = 0;
  lost = 0;
  /** Came after a higher sequence number, or twice. */
  reordered = 0;
  /** Came more than `lateAfterMs` behind the schedule the timestamps and the fastest transit set. */
  late = 0;
  /** Interarrival jitter (RFC 3550 A.8), in timestamp units. */
  jitter = 0;
  private first = -1;
  private highest = -1;
  private readonly recent = new Set<number>();
  private readonly clockRate: number;
  private readonly lateAfterMs: number;
  /** The previous packet's transit (arrival less timestamp, in ms), for jitter. */
  private transit: number | null = null;
  private minTransit = Infinity;
  /** The previous timestamp, and the timestamp unwrapped from the first packet's, in units. */
  private lastTimestamp = 0;
  private elapsed = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;

  constructor(options: ReceptionOptions = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.lateAfterMs = options.lateAfterMs ?? 60;
  }

  /** Interarrival jitter in milliseconds. */
  get jitterMs(): number {
    return (this.jitter * 1000) / this.clockRate;
  }

  /**
   * True when the packet is new and in order; false for one that came out of order or twice.
   * `timestamp` is its RTP timestamp and `arrivalMs` when it came (any millisecond clock that
   * does not jump, e.g. performance.now()); without both, jitter and lateness are not measured.
   */
  note(sequence: number, timestamp?: number, arrivalMs?: number): boolean {
    this.received++;
    if (timestamp !== undefined && arrivalMs !== undefined) this.time(timestamp, arrivalMs);
    if (this.highest < 0) {
      this.first = this.highest = sequence;
      this.remember(sequence);
      return true;
    }
    const delta = (sequence - (this.highest & 0xffff) + 0x10000) & 0xffff;
    if (delta === 0 || delta > 0x8000) {
      const extended = this.highest - ((this.highest - sequence + 0x10000) & 0xffff);
      this.reordered++;
      // A packet out of order fills the gap it was counted in; a duplicate fills nothing.
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

  /**
   * The figures of a report block, and the start of the next interval: the fraction lost is of
   * what was expected since the previous call (RFC 3550 A.3). Null before any packet.
   */
  report(): ReceptionReport | null {
    if (this.highest < 0) return null;
    const expected = this.highest - this.first + 1;
    const expectedInterval = expected - this.expectedPrior;
    const lostInterval = expectedInterval - (this.received - this.receivedPrior);
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    return {
      extendedHighest: this.highest >>> 0,
      // The field is 24 bits, signed.
      cumulativeLost: Math.max(-0x800000, Math.min(0x7fffff, expected - this.received)),
      fractionLost:
        expectedInterval <= 0 || lostInterval <= 0
          ? 0
          : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval)),
      jitter: Math.round(this.jitter) >>> 0,
    };
  }

  /**
   * Transit is arrival less the timestamp's time, offset by an unknown constant (the clocks are
   * not shared), so only its changes mean anything: their smoothed size is the jitter, and how
   * far one stands above the least seen is how much later than the luckiest packet it came.
   */
  private time(timestamp: number, arrivalMs: number): void {
    // Timestamps wrap at 2^32; the signed 32-bit difference from the last unwraps them.
    if (this.transit !== null) this.elapsed += (timestamp - this.lastTimestamp) | 0;
    this.lastTimestamp = timestamp;
    const transit = arrivalMs - (this.elapsed * 1000) / this.clockRate;
    if (this.transit !== null) {
      const d = (Math.abs(transit - this.transit) * this.clockRate) / 1000;
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
    this.minTransit = Math.min(this.minTransit, transit);
    if (transit - this.minTransit > this.lateAfterMs) this.late++;
  }

  private remember(extended: number): void {
    this.recent.add(extended);
    if (this.recent.size > 1024) this.recent.delete(this.recent.values().next().value!);
  }
}
