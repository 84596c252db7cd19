import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { parseRtp, ReceptionStats, serializeRtp } from '../protocol/rtp.js';
import { DtmfReceiver } from '../protocol/telephone-event.js';
import type { G711 } from './g711.js';
import { InbandDtmfDetector } from './inband-dtmf.js';
import { RtcpReporter, type PeerReport } from './rtcp-reporter.js';

const FRAME = 160; // 20 ms at 8 kHz

export interface RtpSessionEvents {
  audio(pcm: Int16Array): void;
  digit(digit: string): void;
  /** The peer's RTCP reports (how it hears us). */
  report?(report: PeerReport): void;
}

async function bindUdp(host: string): Promise<Socket> {
  // A roomy receive buffer rides out event-loop stalls of a few seconds without the kernel
  // dropping audio (the default holds about 5 s of one call's packets).
  const socket = createSocket({
    type: host.includes(':') ? 'udp6' : 'udp4',
    recvBufferSize: 512 * 1024,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => resolve());
  });
  socket.on('error', () => undefined);
  return socket;
}

/**
 * One call's audio: an RTP socket of our own, G.711 both ways, RFC 4733 digits (and, until the
 * peer sends one, tones detected in the audio: gateways that offer telephone-event and then
 * send tones in-band exist), playback paced at 20 ms by the
 * clock (not by timer ticks, which drift), and RTCP reports on a socket of their own. Once the
 * peer's first packet has come, packets from anywhere else are ignored.
 */
export class RtpSession {
  private socket: Socket | null = null;
  private readonly ssrc = randomInt(2 ** 31);
  private sequence = randomInt(65536);
  private timestamp = randomInt(2 ** 31);
  private readonly dtmf = new DtmfReceiver();
  /** Listens for tones in the audio until the peer shows it sends RFC 4733 events. */
  private inband: InbandDtmfDetector | null = new InbandDtmfDetector();
  private lastDigit = { digit: '', at: 0 };
  readonly stats = new ReceptionStats();
  private remote: { address: string; port: number } | null = null;
  private latched = false;
  private rtcpSocket: Socket | null = null;
  private reporter: RtcpReporter | null = null;
  private remoteSsrc: number | null = null;
  private readonly sent = { packets: 0, octets: 0, rtpTimestamp: 0, sentAt: 0 };
  private readonly listeners = new Set<(pcm: Int16Array) => void>();
  /** The next packet sent starts a talk spurt (RFC 3551 4.1: the marker bit). */
  private spurt = true;
  /** After a switch to T.38: who takes the port's datagrams instead of RTP (`divert`). */
  private diverted: ((datagram: Buffer) => boolean) | null = null;

  constructor(
    private codec: G711,
    private payloadType: number,
    private dtmfPayload: number | null,
    private readonly events: RtpSessionEvents,
  ) {}

  /**
   * The formats the far end's answer chose. A call we place opens its socket before it knows
   * them (our offer names the port); until then the first format offered is assumed.
   */
  use(codec: G711, payloadType: number, dtmfPayload: number | null): void {
    this.codec = codec;
    this.payloadType = payloadType;
    this.dtmfPayload = dtmfPayload;
  }

  /** Hears the decoded audio too (besides `events.audio`), until the returned function is called. */
  onAudio(listener: (pcm: Int16Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * One key press, however it came. Phones that send RFC 4733 events usually take the tone out
   * of the audio, but not all do: a digit heard both ways within a moment is one press.
   */
  private digit(digit: string, event: boolean): void {
    const now = performance.now();
    if (event) this.inband = null;
    if (digit === this.lastDigit.digit && now - this.lastDigit.at < 200) return;
    this.lastDigit = { digit, at: now };
    this.events.digit(digit);
  }

  /** Binds the RTP and RTCP sockets; gives the RTP port (the RTCP one is `rtcpPort`). */
  async open(host: string): Promise<number> {
    const socket = await bindUdp(host);
    socket.on('message', (data, rinfo) => {
      if (this.diverted) return this.divertedDatagram(data, rinfo.address, rinfo.port);
      const packet = parseRtp(data);
      if (!packet) return;
      if (!this.accept(rinfo.address, rinfo.port)) return;
      if (this.dtmfPayload !== null && packet.payloadType === this.dtmfPayload) {
        // Events share the stream's sequence numbers (not its timing: their timestamp is the
        // event's start), so they count as received, not as gaps in the audio.
        this.stats.note(packet.sequence);
        const digit = this.dtmf.packet(packet.timestamp, packet.payload);
        if (digit) this.digit(digit, true);
        return;
      }
      if (packet.payloadType !== this.payloadType) return;
      this.remoteSsrc = packet.ssrc;
      if (!this.stats.note(packet.sequence, packet.timestamp, performance.now())) return;
      const pcm = this.codec.decode(packet.payload);
      if (this.inband) for (const digit of this.inband.push(pcm)) this.digit(digit, false);
      this.events.audio(pcm);
      for (const listener of this.listeners) listener(pcm);
    });
    this.socket = socket;
    this.rtcpSocket = await bindUdp(host);
    return socket.address().port;
  }

  /** The RTP port (0 before `open`); a switch to T.38 keeps it. */
  get port(): number {
    return this.socket?.address().port ?? 0;
  }

  get rtcpPort(): number {
    return this.rtcpSocket?.address().port ?? 0;
  }

  /** Where the peer's RTP goes, and its RTCP (by default the RTP port + 1, RFC 3550 11). */
  connect(address: string, port: number, rtcp?: { address: string; port: number }): void {
    this.remote = { address, port };
    if (!this.rtcpSocket) return;
    this.reporter = new RtcpReporter({
      socket: this.rtcpSocket,
      remote: rtcp ?? { address, port: port + 1 },
      ssrc: this.ssrc,
      sent: () => this.sent,
      stats: this.stats,
      remoteSsrc: () => this.remoteSsrc,
      onReport: (report) => this.events.report?.(report),
    });
    this.reporter.start();
  }

  /** What the peer last reported about how it hears us. */
  get peerReport(): PeerReport | null {
    return this.reporter?.peer ?? null;
  }

  /**
   * Symmetric RTP ("latching"): phones behind NAT, or with several addresses, send from somewhere
   * other than what their SDP says. The first source heard becomes the stream's peer, and only
   * it is heard (and answered) from then on.
   */
  private accept(address: string, port: number): boolean {
    if (this.latched) return address === this.remote?.address && port === this.remote.port;
    this.latched = true;
    this.remote = { address, port };
    return true;
  }

  /**
   * The call switched to T.38 (a re-INVITE): the port stays, RTP and RTCP stop, and datagrams
   * go to `listener` (true: it was one of the new stream's, whose source is then latched as
   * for RTP). Gives the function that sends a datagram to the far end's new address.
   */
  divert(
    remote: { address: string; port: number },
    listener: (datagram: Buffer) => boolean,
  ): (datagram: Buffer) => void {
    this.diverted = listener;
    this.remote = remote;
    this.latched = false;
    this.listeners.clear();
    void this.reporter?.stop().catch(() => undefined);
    this.reporter = null;
    return (datagram) => {
      if (this.socket && this.remote)
        this.socket.send(datagram, this.remote.port, this.remote.address);
    };
  }

  private divertedDatagram(data: Buffer, address: string, port: number): void {
    if (this.latched && (address !== this.remote?.address || port !== this.remote.port)) return;
    if (this.diverted!(data) && !this.latched) {
      this.latched = true;
      this.remote = { address, port };
    }
  }

  /** Plays samples to the caller in 20 ms packets; resolves when played or `signal` aborts. */
  async play(pcm: Int16Array, signal?: AbortSignal): Promise<void> {
    const started = Date.now();
    this.spurt = true;
    for (let frame = 0; frame * FRAME < pcm.length; frame++) {
      if (signal?.aborted || !this.socket || !this.remote || this.diverted) return;
      const chunk = new Int16Array(FRAME);
      chunk.set(pcm.subarray(frame * FRAME, (frame + 1) * FRAME));
      this.send(chunk);
      const due = started + (frame + 1) * 20 - Date.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
    }
  }

  /**
   * Sends one packet of audio now, unpaced: for relaying a packet as it arrives from another
   * call (bridge.ts), whose arrival already keeps the time. Its duration is its sample count.
   * Not to be mixed with a `play` running at the same time.
   */
  send(pcm: Int16Array): void {
    if (!this.socket || !this.remote || pcm.length === 0 || this.diverted) return;
    const payload = this.codec.encode(pcm);
    const timestamp = (this.timestamp += pcm.length) >>> 0;
    this.socket.send(
      serializeRtp({
        payloadType: this.payloadType,
        marker: this.spurt,
        sequence: this.sequence++ & 0xffff,
        timestamp,
        ssrc: this.ssrc,
        payload,
      }),
      this.remote.port,
      this.remote.address,
    );
    this.spurt = false;
    this.sent.packets++;
    this.sent.octets += payload.length;
    this.sent.rtpTimestamp = timestamp;
    this.sent.sentAt = Date.now();
  }

  /** Ends the session: a last RTCP report and BYE, then both sockets closed. */
  async close(): Promise<void> {
    this.listeners.clear();
    const socket = this.socket;
    this.socket = null;
    await this.reporter?.stop().catch(() => undefined);
    this.reporter = null;
    socket?.close();
    this.rtcpSocket?.close();
    this.rtcpSocket = null;
  }
}

/** A beep: 1 kHz for half a second, the tone callers know as "speak now". */
export function beep(): Int16Array {
  const tone = new Int16Array(4000);
  for (let i = 0; i < tone.length; i++)
    tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  return tone;
}
