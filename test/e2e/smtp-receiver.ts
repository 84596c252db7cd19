import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
  /** Whether the client had switched to TLS with STARTTLS. */
  secure: boolean;
}

/** A refusal for one recipient, or null to take it. */
export type RcptPolicy = (address: string) => { code: number; message: string } | null;

/**
 * An SMTP server from node_modules (smtp-server) standing in for someone else's MX: it records
 * each mail with its envelope, counts connections, and refuses recipients as the test says.
 * STARTTLS is offered with the library's own self-signed certificate.
 */
export class SmtpReceiver {
  readonly received: ReceivedMail[] = [];
  connections = 0;
  open = 0;
  peakOpen = 0;

  private constructor(private readonly server: SMTPServer) {}

  static async start(
    host: string,
    port: number,
    policy: RcptPolicy = () => null,
  ): Promise<SmtpReceiver> {
    let receiver: SmtpReceiver | null = null;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH'],
      logger: false,
      onConnect(_session, callback) {
        const r = receiver!;
        r.connections++;
        r.open++;
        r.peakOpen = Math.max(r.peakOpen, r.open);
        callback();
      },
      onClose() {
        receiver!.open--;
      },
      onRcptTo(address, _session, callback) {
        const refusal = policy(address.address);
        if (!refusal) return callback();
        callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          receiver!.received.push({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
            secure: session.secure,
          });
          callback();
        });
      },
    });
    receiver = new SmtpReceiver(server);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return receiver;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  /** Mail for `rcpt` received so far. */
  to(rcpt: string): ReceivedMail[] {
    return this.received.filter((m) => m.rcptTo.includes(rcpt));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
