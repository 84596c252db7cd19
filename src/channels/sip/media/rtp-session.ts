import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { parseRtp, ReceptionStats, serializeRtp } from '../protocol/rtp.js';
import { DtmfReceiver } from '../protocol/telephone-event.js';
import type { G711 } from './g711.js';

const FRAME = 160; // 20 ms at 8 kHz

export interface RtpSessionEvents {
  audio(pcm: Int16Array): void;
  digit(digit: string): void;
}

/**
 * One call's audio: an RTP socket of our own, G.711 both ways, RFC 4733 digits, and playback
 * paced at 20 ms by the clock (not by timer ticks, which drift). Once the peer's first packet
 * has come, packets from anywhere else are ignored.
 */
export class RtpSession {
  private socket: Socket | null = null;
  private readonly ssrc = randomInt(2 ** 31);
  private sequence = randomInt(65536);
  private timestamp = randomInt(2 ** 31);
  private readonly dtmf = new DtmfReceiver();
  readonly stats = new ReceptionStats();
  private remote: { address: string; port: number } | null = null;
  private latched = false;

  constructor(
    private readonly codec: G711,
    private readonly payloadType: number,
    private readonly dtmfPayload: number | null,
    private readonly events: RtpSessionEvents,
  ) {}

  async open(host: string): Promise<number> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => resolve());
    });
    socket.on('error', () => undefined);
    socket.on('message', (data, rinfo) => {
      const packet = parseRtp(data);
      if (!packet) return;
      if (!this.accept(rinfo.address, rinfo.port)) return;
      if (this.dtmfPayload !== null && packet.payloadType === this.dtmfPayload) {
        const digit = this.dtmf.packet(packet.timestamp, packet.payload);
        if (digit) this.events.digit(digit);
        return;
      }
      if (packet.payloadType !== this.payloadType) return;
      if (this.stats.note(packet.sequence)) this.events.audio(this.codec.decode(packet.payload));
    });
    this.socket = socket;
    return socket.address().port;
  }

  connect(address: string, port: number): void {
    this.remote = { address, port };
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

  /** Plays samples to the caller in 20 ms packets; resolves when played or `signal` aborts. */
  async play(pcm: Int16Array, signal?: AbortSignal): Promise<void> {
    const started = Date.now();
    for (let frame = 0; frame * FRAME < pcm.length; frame++) {
      if (signal?.aborted || !this.socket || !this.remote) return;
      const chunk = new Int16Array(FRAME);
      chunk.set(pcm.subarray(frame * FRAME, (frame + 1) * FRAME));
      this.socket.send(
        serializeRtp({
          payloadType: this.payloadType,
          marker: frame === 0,
          sequence: this.sequence++ & 0xffff,
          timestamp: (this.timestamp += FRAME) >>> 0,
          ssrc: this.ssrc,
          payload: this.codec.encode(chunk),
        }),
        this.remote.port,
        this.remote.address,
      );
      const due = started + (frame + 1) * 20 - Date.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
    }
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
  }
}

/** A beep: 1 kHz for half a second, the tone callers know as "speak now". */
export function beep(): Int16Array {
  const tone = new Int16Array(4000);
  for (let i = 0; i < tone.length; i++)
    tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  return tone;
}
