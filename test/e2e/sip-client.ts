import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';
import { SipHeaders } from '../../src/channels/sip/protocol/headers.js';
import type { SipMessage, SipResponse } from '../../src/channels/sip/protocol/message.js';
import { parseDatagram, SipStreamFramer } from '../../src/channels/sip/protocol/parser.js';
import { serialize } from '../../src/channels/sip/protocol/serialize.js';

/** A bare SIP client for tests that need what no phone here does (SHA-256 digest, raw bytes). */
export class SipTestClient {
  private readonly waiting: Array<(m: SipMessage) => void> = [];
  private udp: Socket | null = null;
  private tcp: TcpSocket | null = null;
  localPort = 0;

  constructor(
    readonly transport: 'UDP' | 'TCP',
    readonly serverPort: number,
  ) {}

  async open(): Promise<this> {
    if (this.transport === 'UDP') {
      const udp = createSocket('udp4');
      udp.on('message', (data) => this.deliver(parseDatagram(data)));
      await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
      this.localPort = udp.address().port;
      // A failed assertion must not leave the test process waiting on this socket.
      udp.unref();
      this.udp = udp;
    } else {
      const framer = new SipStreamFramer();
      const tcp = connect(this.serverPort, '127.0.0.1');
      await new Promise<void>((r, j) => tcp.once('connect', r).once('error', j));
      tcp.on('data', (c: Buffer) => framer.push(c).forEach((m) => this.deliver(m)));
      this.localPort = tcp.localPort ?? 0;
      tcp.unref();
      this.tcp = tcp;
    }
    return this;
  }

  private deliver(m: SipMessage) {
    this.waiting.shift()?.(m);
  }

  /** Sends raw bytes (for malformed input). */
  raw(bytes: Buffer): void {
    if (this.udp) this.udp.send(bytes, this.serverPort, '127.0.0.1');
    else this.tcp!.write(bytes);
  }

  /** Sends a request and waits for its final response (or null after `timeoutMs`). */
  async request(
    method: string,
    uri: string,
    headers: Array<[string, string]>,
    timeoutMs = 3000,
  ): Promise<SipResponse | null> {
    const h = new SipHeaders([
      [
        'Via',
        `SIP/2.0/${this.transport} 127.0.0.1:${this.localPort};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      ],
      ['Max-Forwards', '70'],
      ...headers,
    ]);
    const message: SipMessage = { kind: 'request', method, uri, headers: h, body: Buffer.alloc(0) };
    const answer = new Promise<SipResponse | null>((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(take);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(null);
      }, timeoutMs);
      const take = (m: SipMessage) => {
        if (m.kind === 'response' && m.status < 200) return this.waiting.unshift(take);
        clearTimeout(timer);
        resolve(m as SipResponse);
      };
      this.waiting.push(take);
    });
    this.raw(serialize(message));
    return answer;
  }

  close(): void {
    this.udp?.close();
    this.tcp?.destroy();
  }
}
