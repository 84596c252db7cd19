import { UdptlReceiver, UdptlSender, type UdptlStats } from '../protocol/udptl.js';
import type { RtpSession } from './rtp-session.js';

/** IFP packets that may wait for the fax engine to start (about 4 s of a fax's). */
const MAX_WAITING = 200;

/**
 * A call's T.38 stream: UDPTL on the port its RTP used (the RTP session hands the socket over),
 * our IFP packets framed with redundancy, the far end's put in order. Packets that come before
 * the fax engine listens wait for it. Malformed datagrams are counted and dropped.
 */
export class UdptlSession {
  private readonly receiver = new UdptlReceiver();
  private readonly sender = new UdptlSender(3);
  private readonly transmit: (datagram: Buffer) => void;
  private listener: ((seq: number, ifp: Buffer) => void) | null = null;
  private waiting: Array<{ seq: number; ifp: Buffer }> = [];

  constructor(rtp: RtpSession, remote: { address: string; port: number }) {
    this.transmit = rtp.divert(remote, (datagram) => {
      const malformed = this.receiver.stats.malformed;
      for (const packet of this.receiver.datagram(datagram)) {
        if (this.listener) this.listener(packet.seq, packet.ifp);
        else if (this.waiting.length < MAX_WAITING) this.waiting.push(packet);
      }
      return this.receiver.stats.malformed === malformed;
    });
  }

  /** The far end's IFP packets, in order (those that came already first). */
  listen(listener: (seq: number, ifp: Buffer) => void): void {
    this.listener = listener;
    for (const packet of this.waiting) listener(packet.seq, packet.ifp);
    this.waiting = [];
  }

  send(ifp: Buffer): void {
    this.transmit(this.sender.frame(ifp));
  }

  /** Sends a datagram as it is (tests play a far end that sends garbage). */
  sendRaw(datagram: Buffer): void {
    this.transmit(datagram);
  }

  get stats(): UdptlStats {
    return this.receiver.stats;
  }
}
