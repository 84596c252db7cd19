import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The blob encryption keys. Each blob records the id of the key that sealed it, so a new key can
 * become active while old blobs stay readable (rotation: add a key, make it active, keep the old).
 */
export class KeyRing {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    entries: Array<{ id: string; key: Buffer }>,
    readonly activeId: string,
  ) {
    for (const { id, key } of entries) {
      if (key.length !== 32)
        throw new Error(`blob key "${id}" must be 32 bytes, got ${key.length}`);
      this.keys.set(id, key);
    }
    if (!this.keys.has(activeId))
      throw new Error(`active blob key "${activeId}" is not configured`);
  }

  get active(): Buffer {
    return this.keys.get(this.activeId)!;
  }

  get(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key)
      throw new Error(`blob key "${id}" is not configured; add it to SWITCHBOARD_BLOB_KEYS`);
    return key;
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses `id:base64` entries from configuration. */
export function parseKeyEntries(entries: string[]): Array<{ id: string; key: Buffer }> {
  return entries.map((entry) => {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    if (colon < 1 || !KEY_ID.test(id)) throw new Error('blob keys must look like id:base64key');
    return { id, key: Buffer.from(entry.slice(colon + 1), 'base64') };
  });
}

/**
 * Keys from configuration when given; otherwise the key files under `<dataDir>/keys`, generating
 * one on first start so that a fresh install encrypts from its first message.
 */
export function loadKeyRing(
  dataDir: string,
  configured: string[],
  activeId: string | null,
): KeyRing {
  if (configured.length > 0) {
    const entries = parseKeyEntries(configured);
    return new KeyRing(entries, activeId ?? entries[entries.length - 1]!.id);
  }
  const dir = join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.key'))
        .sort()
    : [];
  if (files.length === 0) {
    const id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
    writeFileSync(join(dir, `${id}.key`), randomBytes(32).toString('base64') + '\n', {
      mode: 0o600,
    });
    files = [`${id}.key`];
  }
  const entries = files.map((f) => ({
    id: f.slice(0, -4),
    key: Buffer.from(readFileSync(join(dir, f), 'utf8').trim(), 'base64'),
  }));
  return new KeyRing(entries, activeId ?? entries[entries.length - 1]!.id);
}
