import { randomBytes } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import {
  compactNtp,
  ntpFromMs,
  parseRtcp,
  roundTripMs,
  SDES_CNAME,
  serializeRtcp,
  type ReportBlock,
  type RtcpPacket,
} from '../protocol/rtcp.js';
import type { ReceptionStats } from '../protocol/rtp.js';

/** What our side of the call has sent so far, for sender reports. */
export interface SenderCounts {
  packets: number;
  /** Payload octets, RTP headers left out. */
  octets: number;
  /** The RTP timestamp of the last packet sent. */
  rtpTimestamp: number;
  /**
   * When that packet went (Date.now()): the SR's RTP timestamp is carried forward from it to the
   * moment of the report, as RFC 3550 6.4.1 asks. Without it, the last timestamp is reported.
   */
  sentAt?: number;
}

/** How the peer hears us, from the report block it last sent about our stream. */
export interface PeerHearing {
  /** Lost in the peer's last interval, 0 to 1. */
  fractionLost: number;
  cumulativeLost: number;
  jitterMs: number;
  /** Null until the peer has answered one of our SRs. */
  roundTripMs: number | null;
}

/** The peer's latest RTCP, as far as it concerns us. */
export interface PeerReport {
  ssrc: number;
  /** When its latest report came (Date.now()). */
  at: number;
  /** What it says it sent, from its latest SR; null while it has only sent RRs. */
  sent: { packets: number; octets: number } | null;
  hearing: PeerHearing | null;
}

export interface RtcpReporterOptions {
  /** Bound by the caller: the RTP socket itself under rtcp-mux, else the one on RTP's port + 1. */
  socket: Socket;
  /** Where the peer's RTCP goes (its SDP's port + 1, or a=rtcp); latched like RTP. */
  remote: { address: string; port: number };
  /** Our stream's SSRC, the one RTP carries. */
  ssrc: number;
  /** RFC 7022: a random CNAME a session, so that none of our addresses leak into it. */
  cname?: string;
  clockRate?: number;
  sent: () => SenderCounts;
  stats: ReceptionStats;
  /** The SSRC of the RTP we receive, to report on; otherwise what the peer's RTCP says it is. */
  remoteSsrc?: () => number | null;
  /** RFC 3550's minimum interval, 5 s; shorter only in tests. */
  intervalMs?: number;
  random?: () => number;
  onReport?: (report: PeerReport) => void;
  onBye?: (reason: string | undefined) => void;
}

/** RFC 3550 A.7: the randomised interval is divided by e - 3/2 to make up for reconsideration. */
const COMPENSATION = Math.E - 1.5;

/**
 * One call's RTCP: our sender report (or receiver report while we are not sending) and CNAME
 * every few seconds, a BYE when we are done, and what the peer reports about how it hears us.
 * For one peer and an audio stream RFC 3550's bandwidth-based interval is far below its 5 s
 * minimum, so the minimum is the interval, randomised by 0.5-1.5 so that reports do not
 * synchronise, and halved for the first one.
 */
export class RtcpReporter {
  private readonly cname: string;
  private readonly clockRate: number;
  private readonly intervalMs: number;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private remote: { address: string; port: number };
  private latched = false;
  /** Packet counts at the last two reports: we are a sender while they keep going up. */
  private readonly sentAtReports: number[] = [];
  /** The peer's last SR: its LSR form and when it came (performance.now()), for DLSR. */
  private lastSr = 0;
  private lastSrAt = 0;
  private peerSsrc: number | null = null;
  private latest: PeerReport | null = null;
  private readonly listener = (data: Buffer, from: RemoteInfo) => this.receive(data, from);

  constructor(private readonly options: RtcpReporterOptions) {
    this.cname = options.cname ?? randomBytes(12).toString('base64url');
    this.clockRate = options.clockRate ?? 8000;
    this.intervalMs = options.intervalMs ?? 5000;
    this.random = options.random ?? Math.random;
    this.remote = options.remote;
  }

  /** The peer's latest report, or null before one has come. */
  get peer(): PeerReport | null {
    return this.latest;
  }

  start(): void {
    this.options.socket.on('message', this.listener);
    this.schedule(this.intervalMs / 2);
  }

  /** Sends the BYE (with a last report); resolves once it has left, so the socket can close. */
  async stop(reason?: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.options.socket.off('message', this.listener);
    const bye: RtcpPacket = { type: 'bye', sources: [this.options.ssrc], reason };
    await this.send([...this.report(), bye]);
  }

  private schedule(minimumMs: number): void {
    const delay = (minimumMs * (this.random() + 0.5)) / COMPENSATION;
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      void this.send(this.report());
      this.schedule(this.intervalMs);
    }, delay);
    this.timer.unref();
  }

  /** Our report and CNAME: the head every compound packet must have. */
  private report(): RtcpPacket[] {
    const { ssrc, stats } = this.options;
    const counts = this.options.sent();
    const reports: ReportBlock[] = [];
    const reception = stats.report();
    const source = this.options.remoteSsrc?.() ?? this.peerSsrc;
    if (reception && source !== null)
      reports.push({
        ssrc: source,
        ...reception,
        lastSr: this.lastSr,
        delaySinceLastSr: this.lastSr
          ? Math.round((performance.now() - this.lastSrAt) * 65.536)
          : 0,
      });
    const twoReportsAgo = this.sentAtReports.length < 2 ? 0 : this.sentAtReports[0]!;
    const sending = counts.packets > twoReportsAgo;
    this.sentAtReports.push(counts.packets);
    if (this.sentAtReports.length > 2) this.sentAtReports.shift();
    const sinceLastPacket = Date.now() - (counts.sentAt ?? Date.now());
    const head: RtcpPacket = sending
      ? {
          type: 'sr',
          ssrc,
          sender: {
            ntp: ntpFromMs(wallClock()),
            rtpTimestamp:
              (counts.rtpTimestamp + Math.round((sinceLastPacket * this.clockRate) / 1000)) >>> 0,
            packets: counts.packets,
            octets: counts.octets,
          },
          reports,
        }
      : { type: 'rr', ssrc, reports };
    return [
      head,
      { type: 'sdes', chunks: [{ ssrc, items: [{ type: SDES_CNAME, text: this.cname }] }] },
    ];
  }

  private send(packets: RtcpPacket[]): Promise<void> {
    const { socket } = this.options;
    return new Promise((resolve) => {
      // A socket closed while a send waits on its address lookup never calls back.
      setTimeout(resolve, 1000).unref();
      try {
        socket.send(serializeRtcp(packets), this.remote.port, this.remote.address, () => resolve());
      } catch {
        resolve(); // the caller closed the socket first: nothing left to tell
      }
    });
  }

  private receive(data: Buffer, from: RemoteInfo): void {
    const packets = parseRtcp(data);
    if (!packets) return;
    // Symmetric RTCP, as for RTP: the peer behind NAT is answered where it sends from.
    if (!this.latched) {
      this.latched = true;
      this.remote = { address: from.address, port: from.port };
    } else if (from.address !== this.remote.address || from.port !== this.remote.port) return;
    const arrival = ntpFromMs(wallClock());
    let report: PeerReport | null = null;
    for (const packet of packets) {
      if (packet.type === 'bye') this.options.onBye?.(packet.reason);
      if (packet.type !== 'sr' && packet.type !== 'rr') continue;
      this.peerSsrc = packet.ssrc;
      report = {
        ...(report ?? this.latest ?? { sent: null, hearing: null }),
        ssrc: packet.ssrc,
        at: Date.now(),
      };
      if (packet.type === 'sr') {
        this.lastSr = compactNtp(packet.sender.ntp);
        this.lastSrAt = performance.now();
        report.sent = { packets: packet.sender.packets, octets: packet.sender.octets };
      }
      const block = packet.reports.find((b) => b.ssrc === this.options.ssrc);
      if (block)
        report.hearing = {
          fractionLost: block.fractionLost / 256,
          cumulativeLost: block.cumulativeLost,
          jitterMs: (block.jitter * 1000) / this.clockRate,
          roundTripMs: roundTripMs(block, arrival),
        };
    }
    if (!report) return;
    this.latest = report;
    this.options.onReport?.(report);
  }
}

/** The wall clock to the microsecond, for NTP times whose differences give round trips. */
function wallClock(): number {
  return performance.timeOrigin + performance.now();
}
