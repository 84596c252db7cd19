import { uuidv7 } from 'uuidv7';
import { randomBytes } from 'node:crypto';

/** Sortable identifier (UUIDv7): ids sort by creation time, which keeps listings and indexes cheap. */
export function newId(): string {
  return uuidv7();
}

/** An opaque random token, url-safe. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isId(value: string): boolean {
  return UUID_RE.test(value);
}
