import { createHmac } from 'node:crypto';
import { safeEqual } from './hash.js';

/** Signed, expiring links: anyone holding the URL may fetch that one thing until it expires. */
export class LinkSigner {
  constructor(private readonly key: Buffer) {}

  sign(path: string, expiresAt: number): string {
    return createHmac('sha256', this.key).update(`${path}\n${expiresAt}`).digest('base64url');
  }

  verify(path: string, expiresAt: number, signature: string, now = Date.now()): boolean {
    if (!Number.isFinite(expiresAt) || expiresAt < now) return false;
    return safeEqual(this.sign(path, expiresAt), signature);
  }
}
