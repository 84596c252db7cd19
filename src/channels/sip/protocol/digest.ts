import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { splitList } from './headers.js';

/** RFC 8760 algorithm names and the hash each uses. */
export type DigestAlgorithm = 'MD5' | 'SHA-256';
const HASH: Record<DigestAlgorithm, 'md5' | 'sha256'> = { MD5: 'md5', 'SHA-256': 'sha256' };

const h = (algorithm: DigestAlgorithm, text: string) =>
  createHash(HASH[algorithm]).update(text).digest('hex');

/** Authorization / WWW-Authenticate parameters: `Digest a="b", c=d`. */
export function parseDigest(value: string): Record<string, string> | null {
  const m = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const piece of splitList(m[1]!)) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const name = piece.slice(0, eq).trim().toLowerCase();
    params[name] = piece
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/s, '$1')
      .replace(/\\(.)/g, '$1');
  }
  return params;
}

/** The response a client computes from HA1 (RFC 2617 3.2.2, RFC 8760), with or without qop=auth. */
export function digestResponse(p: {
  algorithm: DigestAlgorithm;
  ha1: string;
  nonce: string;
  method: string;
  uri: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}): string {
  const ha2 = h(p.algorithm, `${p.method}:${p.uri}`);
  return p.qop
    ? h(p.algorithm, `${p.ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`)
    : h(p.algorithm, `${p.ha1}:${p.nonce}:${ha2}`);
}

/**
 * Nonces that need no server state: a timestamp, random bytes and an HMAC over both. A nonce is
 * valid if its HMAC is ours; older than `lifetimeMs` it is stale, which tells the phone to retry
 * with a fresh one rather than to ask the user for a password (RFC 2617 3.2.1).
 */
export class NonceIssuer {
  constructor(
    private readonly key: Buffer,
    private readonly lifetimeMs = 5 * 60_000,
  ) {}

  issue(now = Date.now()): string {
    const body = `${now.toString(36)}.${randomBytes(8).toString('hex')}`;
    return `${body}.${this.mac(body)}`;
  }

  check(nonce: string, now = Date.now()): 'valid' | 'stale' | 'invalid' {
    const at = nonce.lastIndexOf('.');
    if (at < 0) return 'invalid';
    const body = nonce.slice(0, at);
    const given = Buffer.from(nonce.slice(at + 1));
    const expected = Buffer.from(this.mac(body));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    const issued = parseInt(body.split('.')[0]!, 36);
    return now - issued > this.lifetimeMs ? 'stale' : 'valid';
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('hex').slice(0, 32);
  }
}

/** A WWW-Authenticate (or Proxy-Authenticate) challenge value. */
export function challenge(p: {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  stale?: boolean;
}): string {
  return `Digest realm="${p.realm}", nonce="${p.nonce}", algorithm=${p.algorithm}, qop="auth"${p.stale ? ', stale=true' : ''}`;
}

/**
 * Checks an Authorization header against the HA1 the directory keeps for the user. The caller
 * looks the user up from `username` and `realm`, and gives the method of the request.
 */
export function verifyDigest(params: Record<string, string>, method: string, ha1: string): boolean {
  const algorithm: DigestAlgorithm =
    (params.algorithm ?? 'MD5').toUpperCase() === 'SHA-256' ? 'SHA-256' : 'MD5';
  if (!params.nonce || !params.uri || !params.response) return false;
  if (params.qop && (params.qop !== 'auth' || !params.nc || !params.cnonce)) return false;
  const expected = Buffer.from(
    digestResponse({
      algorithm,
      ha1,
      nonce: params.nonce,
      method,
      uri: params.uri,
      qop: params.qop,
      nc: params.nc,
      cnonce: params.cnonce,
    }),
  );
  const given = Buffer.from(params.response.toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The client's side (RFC 2617 3.2.2, RFC 8760): the Authorization (or Proxy-Authorization) value
 * answering a challenge, from the user name and secret a trunk gave us. MD5 unless the challenge
 * names SHA-256; with `qop=auth` when offered. Null when the challenge is not a digest we know.
 */
export function answerChallenge(
  challengeValue: string,
  p: { username: string; secret: string; method: string; uri: string; cnonce?: string },
): string | null {
  const c = parseDigest(challengeValue);
  if (!c || c.realm === undefined || !c.nonce) return null;
  const named = (c.algorithm ?? 'MD5').toUpperCase();
  if (named !== 'MD5' && named !== 'SHA-256') return null;
  const algorithm = named as DigestAlgorithm;
  const qop = (c.qop ?? '')
    .split(',')
    .map((q) => q.trim())
    .includes('auth')
    ? 'auth'
    : undefined;
  const cnonce = p.cnonce ?? randomBytes(8).toString('hex');
  const nc = '00000001';
  const response = digestResponse({
    algorithm,
    ha1: h(algorithm, `${p.username}:${c.realm}:${p.secret}`),
    nonce: c.nonce,
    method: p.method,
    uri: p.uri,
    ...(qop ? { qop, nc, cnonce } : {}),
  });
  const quote = (v: string) => `"${v.replace(/(["\\])/g, '\\$1')}"`;
  return [
    `Digest username=${quote(p.username)}`,
    `realm=${quote(c.realm)}`,
    `nonce=${quote(c.nonce)}`,
    `uri=${quote(p.uri)}`,
    `response=${quote(response)}`,
    `algorithm=${algorithm}`,
    ...(c.opaque !== undefined ? [`opaque=${quote(c.opaque)}`] : []),
    ...(qop ? [`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`] : []),
  ].join(', ');
}
