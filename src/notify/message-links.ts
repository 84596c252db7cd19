import { createHmac } from 'node:crypto';
import { safeEqual } from '../lib/hash.js';

/** The path a message link opens; the HTTP route and the notices agree on it. */
export const MESSAGE_LINK_PATH = '/l/';

/** Bytes of the signature kept in a token: 96 bits, ample against guessing, short for an SMS. */
const MAC_BYTES = 12;

/**
 * Message links in notices (seed 000: the notice carries a link to its message): a token that
 * opens that one message, without signing in, until it expires. The token is the message id
 * (16 bytes of its UUID), the expiry in seconds and an HMAC over both, base64url: 43 characters,
 * so an SMS notice keeps room for its text. Deleting the message ends the link too (the route
 * checks it still exists and is not in the trash).
 */
export class MessageLinks {
  constructor(
    private readonly key: Buffer,
    /** The server's public URL (known once it listens). */
    private readonly baseUrl: () => string,
    private readonly lifetimeMs: number,
  ) {}

  /** The full URL of a link to the message, valid for the configured lifetime from `now`. */
  url(messageId: string, now = Date.now()): string {
    return `${this.baseUrl()}${MESSAGE_LINK_PATH}${this.token(messageId, now + this.lifetimeMs)}`;
  }

  token(messageId: string, expiresAtMs: number): string {
    const id = Buffer.from(messageId.replace(/-/g, ''), 'hex');
    if (id.length !== 16) throw new Error(`not a message id: ${messageId}`);
    const expiry = Buffer.alloc(4);
    expiry.writeUInt32BE(Math.floor(expiresAtMs / 1000));
    const body = Buffer.concat([id, expiry]);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /**
   * The message a genuine token names, when it expires and whether it has; null for a forged or
   * garbled one. An expired link is told apart so that the page can say so.
   */
  open(
    token: string,
    now = Date.now(),
  ): { messageId: string; expiresAt: Date; expired: boolean } | null {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const raw = Buffer.from(token, 'base64url');
    if (raw.length !== 20 + MAC_BYTES) return null;
    const body = raw.subarray(0, 20);
    if (!safeEqual(this.mac(body).toString('hex'), raw.subarray(20).toString('hex'))) return null;
    const expiresAt = new Date(body.readUInt32BE(16) * 1000);
    const hex = body.subarray(0, 16).toString('hex');
    const messageId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return { messageId, expiresAt, expired: expiresAt.getTime() <= now };
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key)
      .update('message link\n')
      .update(body)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
