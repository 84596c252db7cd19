import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/** One address to try: the MX host's name (for TLS and logs) and one of its IP addresses. */
export interface MxTarget {
  host: string;
  address: string;
}

export type MxRoute =
  | { kind: 'targets'; targets: MxTarget[] }
  /** The domain takes no mail, or cannot: tried again it would fail the same way. */
  | { kind: 'failed'; error: string }
  /** DNS trouble: worth asking again later. */
  | { kind: 'retry'; error: string };

export interface MxResolverOptions {
  /** `ip` or `ip:port` (`[v6]:port`); empty means the system's resolvers. */
  servers: readonly string[];
  timeoutMs?: number;
  /** Most addresses one delivery attempt goes through. */
  maxTargets?: number;
}

/** Answers meaning "no such record", as opposed to "could not find out". */
const ABSENT = new Set(['ENODATA', 'ENOTFOUND']);

/**
 * Where mail for a domain goes (RFC 5321 5.1): its MX hosts by preference (equal preferences in
 * random order, to spread the load), each host's IPv4 then IPv6 addresses; the domain itself
 * when it has no MX; nowhere when it publishes a null MX (RFC 7505).
 */
export class MxResolver {
  private readonly resolver: Resolver;
  private readonly maxTargets: number;

  constructor(options: MxResolverOptions) {
    this.resolver = new Resolver({ timeout: options.timeoutMs ?? 5000, tries: 2 });
    if (options.servers.length > 0) this.resolver.setServers([...options.servers]);
    this.maxTargets = options.maxTargets ?? 10;
  }

  async route(domain: string): Promise<MxRoute> {
    let exchanges: string[];
    let implicit = false;
    try {
      const records = await this.resolver.resolveMx(domain);
      const real = records.filter((r) => r.exchange !== '' && r.exchange !== '.');
      if (real.length === 0)
        return { kind: 'failed', error: `${domain} accepts no mail (null MX, RFC 7505)` };
      exchanges = byPreference(real);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'ENOTFOUND') return { kind: 'failed', error: `${domain} does not exist` };
      if (code !== 'ENODATA')
        return { kind: 'retry', error: `MX lookup for ${domain} failed: ${code}` };
      exchanges = [domain];
      implicit = true;
    }
    const targets: MxTarget[] = [];
    const troubles: string[] = [];
    for (const host of exchanges) {
      if (targets.length >= this.maxTargets) break;
      for (const address of await this.addresses(host, troubles)) targets.push({ host, address });
    }
    if (targets.length > 0) return { kind: 'targets', targets: targets.slice(0, this.maxTargets) };
    if (troubles.length > 0) return { kind: 'retry', error: troubles.join('; ') };
    return {
      kind: 'failed',
      error: implicit
        ? `${domain} has neither MX nor address records`
        : `the MX hosts of ${domain} (${exchanges.join(', ')}) have no address`,
    };
  }

  private async addresses(host: string, troubles: string[]): Promise<string[]> {
    if (isIP(host)) return [host];
    const found: string[] = [];
    for (const lookup of [() => this.resolver.resolve4(host), () => this.resolver.resolve6(host)])
      try {
        found.push(...(await lookup()));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (!ABSENT.has(code)) troubles.push(`address lookup for ${host} failed: ${code}`);
      }
    return found;
  }
}

function byPreference(records: Array<{ exchange: string; priority: number }>): string[] {
  return records
    .map((r) => ({ ...r, shuffle: Math.random() }))
    .sort((a, b) => a.priority - b.priority || a.shuffle - b.shuffle)
    .map((r) => r.exchange.toLowerCase());
}
