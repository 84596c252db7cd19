import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  key: string;
  signatureValid: boolean;
  body: any;
  at: number;
}

/**
 * A real HTTP receiver for webhook deliveries: checks each request's HMAC signature with the
 * secret it was given, remembers every request, and answers what the test scripts (200 unless
 * told otherwise, optionally after a delay).
 */
export class WebhookReceiver {
  readonly requests: Received[] = [];
  /** Status to answer for a request; default 200. */
  answer: (body: any, seen: number) => number = () => 200;
  delayMs = 0;
  private server: Server | null = null;
  url = '';

  constructor(private readonly secret: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const expected = `sha256=${createHmac('sha256', this.secret).update(raw).digest('hex')}`;
        const given = String(req.headers['x-switchboard-signature'] ?? '');
        const signatureValid =
          given.length === expected.length &&
          timingSafeEqual(Buffer.from(given), Buffer.from(expected));
        const body = JSON.parse(raw.toString('utf8'));
        const key = String(req.headers['idempotency-key']);
        const seen = this.requests.filter((r) => r.key === key).length;
        this.requests.push({ key, signatureValid, body, at: Date.now() });
        const status = signatureValid ? this.answer(body, seen) : 401;
        setTimeout(() => {
          res.writeHead(status, { 'content-type': 'text/plain' });
          res.end(status < 300 ? 'ok' : `refused with ${status}`);
        }, this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  keys(): Set<string> {
    return new Set(this.requests.map((r) => r.key));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** Polls until `check` gives a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
