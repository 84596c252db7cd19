import { createHash } from 'node:crypto';

/**
 * SIP digest authentication needs HA1 = H(username:realm:secret) at the server, so SIP secrets are
 * kept as HA1 values for MD5 (RFC 2617) and SHA-256 (RFC 8760), never as plaintext.
 */
export function sipHa1(
  algorithm: 'md5' | 'sha256',
  username: string,
  realm: string,
  secret: string,
): string {
  return createHash(algorithm).update(`${username}:${realm}:${secret}`).digest('hex');
}
