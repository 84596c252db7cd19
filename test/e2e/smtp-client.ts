import { connect, type Socket } from 'node:net';

export interface Reply {
  code: number;
  /** The reply's text lines, without the code, joined by newlines. */
  text: string;
}

/**
 * A bare SMTP client over a socket, for what swaks cannot do on its own: hold many
 * connections open, send command after command, or send a message body byte for byte. Each
 * call waits for the server's reply; a closed connection answers with code 0.
 */
export class SmtpClient {
  private buffer = '';
  private waiting: ((reply: Reply) => void) | null = null;
  private readonly replies: Reply[] = [];
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.parse();
    });
    socket.on('error', () => this.finish());
    socket.on('close', () => this.finish());
  }

  /** Connects and gives the client with the server's greeting (220, or a refusal). */
  static async open(port: number): Promise<{ client: SmtpClient; greeting: Reply }> {
    const socket = connect(port, '127.0.0.1');
    const client = new SmtpClient(socket);
    return { client, greeting: await client.reply() };
  }

  /** The next reply, whole (all continuation lines). */
  reply(): Promise<Reply> {
    const next = this.replies.shift();
    if (next) return Promise.resolve(next);
    if (this.closed) return Promise.resolve({ code: 0, text: 'connection closed' });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  async command(line: string): Promise<Reply> {
    if (this.closed) return { code: 0, text: 'connection closed' };
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  /** MAIL, RCPT and DATA; gives the reply to the message itself (or the first refusal). */
  async send(from: string, to: string[], message: Buffer | string): Promise<Reply> {
    const mail = await this.command(`MAIL FROM:<${from}>`);
    if (mail.code !== 250) return mail;
    for (const rcpt of to) {
      const r = await this.command(`RCPT TO:<${rcpt}>`);
      if (r.code !== 250) return r;
    }
    const data = await this.command('DATA');
    if (data.code !== 354) return data;
    const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message, 'latin1');
    // Dot-stuffing (RFC 5321 4.5.2): a line starting with "." gets one more.
    const stuffed = Buffer.from(bytes.toString('latin1').replace(/(^|\n)\./g, '$1..'), 'latin1');
    const ending = stuffed.subarray(-2).toString() === '\r\n' ? '.\r\n' : '\r\n.\r\n';
    this.socket.write(stuffed);
    this.socket.write(ending);
    return this.reply();
  }

  /** QUIT and wait for the server to close the connection. */
  async quit(): Promise<void> {
    if (!this.closed) await this.command('QUIT');
    this.socket.destroy();
  }

  /** Drops the connection without QUIT. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves once the server has closed the connection. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  private parse(): void {
    let text: string[] = [];
    let consumed = 0;
    for (;;) {
      const end = this.buffer.indexOf('\r\n', consumed);
      if (end < 0) return;
      const line = this.buffer.slice(consumed, end);
      consumed = end + 2;
      text.push(line.slice(4));
      if (line[3] !== '-') {
        this.buffer = this.buffer.slice(consumed);
        consumed = 0;
        this.deliver({ code: Number(line.slice(0, 3)), text: text.join('\n') });
        text = [];
      }
    }
  }

  private deliver(reply: Reply): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting(reply);
    else this.replies.push(reply);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.waiting) this.deliver({ code: 0, text: 'connection closed' });
  }
}
