import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';

/** Records by lower-case name and type: TXT as strings, MX as {preference, exchange}, A as IPs. */
export interface Zone {
  [name: string]: {
    TXT?: string[];
    MX?: Array<{ preference: number; exchange: string }>;
    A?: string[];
  };
}

/**
 * An authoritative DNS server on loopback UDP for tests: answers from a fixed zone, NXDOMAIN for
 * names it does not have, so SPF, DKIM, DMARC and MX lookups run against real DNS packets.
 */
export class DnsServer {
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {}

  static async start(zone: Zone): Promise<DnsServer> {
    const socket = createSocket('udp4');
    socket.on('message', (msg, rinfo) => {
      let query: dnsPacket.Packet;
      try {
        query = dnsPacket.decode(msg);
      } catch {
        return;
      }
      const question = query.questions?.[0];
      if (!question) return;
      const name = question.name.toLowerCase().replace(/\.$/, '');
      const entry = zone[name];
      const answers: dnsPacket.Answer[] = [];
      if (question.type === 'TXT')
        for (const text of entry?.TXT ?? [])
          // One record, in character-strings of at most 255 bytes (DKIM keys are longer).
          answers.push({ type: 'TXT', name, ttl: 60, data: text.match(/.{1,255}/gs) ?? [''] });
      if (question.type === 'MX')
        for (const data of entry?.MX ?? []) answers.push({ type: 'MX', name, ttl: 60, data });
      if (question.type === 'A')
        for (const data of entry?.A ?? []) answers.push({ type: 'A', name, ttl: 60, data });
      const reply = dnsPacket.encode({
        type: 'response',
        id: query.id,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | (entry ? 0 : 3), // rcode 3: NXDOMAIN
        questions: query.questions,
        answers,
      });
      socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new DnsServer(socket, (socket.address() as AddressInfo).port);
  }

  /** For SWITCHBOARD_DNS_SERVERS. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
