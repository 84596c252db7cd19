import { isIP } from 'node:net';
import { promises as dns } from 'node:dns';
import { parseUri } from '../protocol/uri.js';

/** Where a request of ours is sent first: one address and port, over UDP. */
export interface Hop {
  transport: 'UDP';
  address: string;
  port: number;
}

/** A host (and port, when the URI names one) as the addresses to try, best first. */
export type HostResolver = (host: string, port: number | null) => Promise<Hop[]>;

/** What a call to a destination is addressed to and sent through. */
export interface CallTarget {
  /** The Request-URI (and the To): the destination as SIP sees it. */
  requestUri: string;
  /** Host and port of the first hop: the trunk when there is one, else the destination itself. */
  hop: { host: string; port: number | null };
}

/**
 * Where a call goes. A `tel:` number needs a trunk and becomes `sip:<number>@<trunk>;user=phone`
 * (RFC 3261 19.1.6), as carriers expect; a `sip:` URI is called as it is, through the trunk when
 * there is one (as an outbound proxy), else straight at its host. Only UDP is spoken outward so
 * far: a trunk or destination that insists on TCP or TLS is refused here, with the reason.
 */
export function callTarget(destination: string, trunk: string | null): CallTarget {
  const dest = parseUri(destination);
  const via = trunk ? parseUri(trunk) : null;
  for (const u of via ? [via] : [dest]) {
    if (u.scheme === 'sips' || (u.params.transport ?? 'udp').toLowerCase() !== 'udp')
      throw new Error(`${u === via ? trunk : destination}: only UDP is supported for calls out`);
  }
  if (via && via.scheme === 'tel') throw new Error(`the trunk ${trunk} must be a sip: URI`);
  if (dest.scheme === 'tel') {
    if (!via)
      throw new Error(`${destination}: a telephone number can only be called through a trunk`);
    const hostport = via.port ? `${via.host}:${via.port}` : via.host;
    return {
      requestUri: `sip:${dest.user}@${hostport};user=phone`,
      hop: { host: via.host, port: via.port },
    };
  }
  // URI headers (?subject=...) are for whoever builds a request from the URI, not for the wire.
  const requestUri = destination.trim().replace(/\?.*$/, '');
  const first = via ?? dest;
  return { requestUri, hop: { host: first.host, port: first.port } };
}

/**
 * RFC 3263 in short, for UDP: a literal address is used as it is; a name with a port by its
 * address records; a name without one by its `_sip._udp` SRV records (priority order) and else
 * its address records on 5060.
 */
export function dnsHostResolver(): HostResolver {
  return async (host, port) => {
    const bare = host.replace(/^\[|\]$/g, '');
    if (isIP(bare)) return [{ transport: 'UDP', address: bare, port: port ?? 5060 }];
    if (port === null) {
      const srv = await dns.resolveSrv(`_sip._udp.${bare}`).catch(() => []);
      srv.sort((a, b) => a.priority - b.priority || b.weight - a.weight);
      const hops: Hop[] = [];
      for (const record of srv) {
        const addresses = await dns.lookup(record.name, { all: true }).catch(() => []);
        for (const a of addresses)
          hops.push({ transport: 'UDP', address: a.address, port: record.port });
      }
      if (hops.length > 0) return hops;
    }
    const addresses = await dns.lookup(bare, { all: true }).catch(() => []);
    return addresses.map((a) => ({ transport: 'UDP', address: a.address, port: port ?? 5060 }));
  };
}
