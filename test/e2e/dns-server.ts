import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';

/** Records by owner name; a name listed with no record of the asked type answers NODATA. */
export type Zone = Record<
  string,
  {
    MX?: Array<{ preference: number; exchange: string }>;
    A?: string[];
    AAAA?: string[];
    TXT?: string[];
  }
>;

const NXDOMAIN = 3;

/**
 * An authoritative DNS server on loopback UDP serving a table the test owns (and may change
 * while it runs), so that MX lookups, A fallbacks and DKIM keys go through real DNS packets.
 */
export class TestDnsServer {
  private constructor(
    private readonly socket: Socket,
    readonly zone: Zone,
  ) {}

  static async start(zone: Zone): Promise<TestDnsServer> {
    const socket = createSocket('udp4');
    const server = new TestDnsServer(socket, zone);
    socket.on('message', (query, peer) => {
      const reply = server.answer(query);
      if (reply) socket.send(reply, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return server;
  }

  /** `127.0.0.1:<port>`, the form SWITCHBOARD_DNS_SERVERS takes. */
  get address(): string {
    return `127.0.0.1:${(this.socket.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(raw: Buffer): Buffer | null {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(raw);
    } catch {
      return null;
    }
    const question = query.questions?.[0];
    if (!question) return null;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const records = this.zone[name];
    const answers: Answer[] = [];
    const base = { name: question.name, ttl: 60, class: 'IN' as const };
    if (records && question.type === 'MX')
      for (const mx of records.MX ?? []) answers.push({ ...base, type: 'MX', data: mx });
    if (records && question.type === 'A')
      for (const ip of records.A ?? []) answers.push({ ...base, type: 'A', data: ip });
    if (records && question.type === 'AAAA')
      for (const ip of records.AAAA ?? []) answers.push({ ...base, type: 'AAAA', data: ip });
    if (records && question.type === 'TXT')
      for (const text of records.TXT ?? [])
        // A TXT string holds at most 255 bytes; longer values (DKIM keys) are split.
        answers.push({ ...base, type: 'TXT', data: text.match(/.{1,255}/g) ?? [''] });
    return dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (records ? 0 : NXDOMAIN),
      questions: [question],
      answers,
    });
  }
}
