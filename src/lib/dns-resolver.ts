import { Resolver } from 'node:dns/promises';

/** Looks up records of one type, answering like `dns.promises.resolve` (what mailauth expects). */
export type DnsLookup = (name: string, rrtype: string) => Promise<unknown>;

/**
 * A resolver on the configured servers (or the system's). Lookups time out after a few seconds
 * and are tried twice, so a dead resolver delays mail briefly rather than holding it.
 */
export function dnsLookup(servers: readonly string[], timeoutMs = 3000): DnsLookup {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  return (name, rrtype) => resolver.resolve(name, rrtype as 'TXT');
}
