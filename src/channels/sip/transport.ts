import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { SipParseError, type SipLimits, type SipMessage } from './protocol/message.js';
import { parseDatagram, SipStreamFramer } from './protocol/parser.js';
import { serialize } from './protocol/serialize.js';

/** Anything the parser throws, as the refusal it reports. */
function asParseError(err: unknown): SipParseError {
  return err instanceof SipParseError
    ? err
    : new SipParseError(`unreadable message (${(err as Error).message})`);
}

/** Where a message came from, and how to answer there. */
export interface SipPeer {
  transport: 'UDP' | 'TCP';
  address: string;
  port: number;
  send(message: SipMessage): void;
}

export interface TransportEvents {
  message(message: SipMessage, peer: SipPeer): void;
  /** A message that could not be parsed: logged; over TCP the connection is closed. */
  refused(error: SipParseError, peer: Omit<SipPeer, 'send'>): void;
}

/** Most simultaneous TCP connections, so that idle sockets cannot exhaust the process. */
const MAX_TCP_CONNECTIONS = 1024;
/** A TCP connection with no traffic for this long is closed (phones keep theirs alive). */
const TCP_IDLE_MS = 10 * 60_000;

/**
 * SIP over UDP and TCP on one port (RFC 3261 18). Each datagram is one message; a TCP stream is
 * framed by Content-Length. Nothing here throws on bad input: it is reported and dropped.
 */
export class SipTransport {
  private udp: Socket | null = null;
  private tcp: Server | null = null;
  private readonly connections = new Set<TcpSocket>();

  constructor(
    private readonly limits: SipLimits,
    private readonly events: TransportEvents,
  ) {}

  /**
   * UDP and TCP on one port number. With port 0 the number UDP got may already be taken for TCP;
   * then both are tried again on another.
   */
  async listen(port: number, host: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.listenOnce(port, host);
      } catch (err) {
        const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (port !== 0 || !taken || attempt >= 10) throw err;
      }
    }
  }

  private async listenOnce(port: number, host: string): Promise<number> {
    const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => resolve());
    });
    const bound = udp.address().port;
    udp.on('error', () => undefined);
    udp.on('message', (data, rinfo) => {
      const peer = {
        transport: 'UDP' as const,
        address: rinfo.address,
        port: rinfo.port,
        send: (m: SipMessage) => udp.send(serialize(m), rinfo.port, rinfo.address),
      };
      try {
        this.events.message(parseDatagram(data, this.limits), peer);
      } catch (err) {
        // A parser bug must cost one datagram, not the process.
        this.events.refused(asParseError(err), peer);
      }
    });
    this.udp = udp;
    // TCP on the same port number, so phones find both where DNS or configuration says.
    const tcp = createServer((socket) => this.accept(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(bound, host, () => resolve());
      });
    } catch (err) {
      udp.close();
      this.udp = null;
      throw err;
    }
    this.tcp = tcp;
    return bound;
  }

  private accept(socket: TcpSocket): void {
    if (this.connections.size >= MAX_TCP_CONNECTIONS) return void socket.destroy();
    this.connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    const framer = new SipStreamFramer(this.limits);
    const peer: SipPeer = {
      transport: 'TCP',
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      send: (m) => {
        if (!socket.destroyed) socket.write(serialize(m));
      },
    };
    socket.on('data', (chunk: Buffer) => {
      let messages: SipMessage[];
      try {
        messages = framer.push(chunk);
      } catch (err) {
        this.events.refused(asParseError(err), peer);
        // The stream cannot be resynchronised after a framing error.
        socket.destroy();
        return;
      }
      for (const m of messages) this.events.message(m, peer);
    });
  }

  /**
   * Sends a request of ours to a phone: over UDP to its address, over TCP on the connection it
   * opened (phones behind NAT can only be reached that way). False when no such connection is open.
   */
  sendTo(
    target: { transport: 'UDP' | 'TCP'; address: string; port: number },
    message: SipMessage,
  ): boolean {
    if (target.transport === 'UDP') {
      if (!this.udp) return false;
      this.udp.send(serialize(message), target.port, target.address);
      return true;
    }
    for (const socket of this.connections)
      if (
        socket.remoteAddress === target.address &&
        socket.remotePort === target.port &&
        !socket.destroyed
      ) {
        socket.write(serialize(message));
        return true;
      }
    return false;
  }

  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.udp ? this.udp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve())),
    ]);
  }
}
