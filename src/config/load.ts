import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Config } from './config.js';
import { OPTIONS, type OptionSpec } from './options.js';

export class ConfigError extends Error {}

const SIZE = /^(\d+)\s*([kmg]?)b?$/i;

function parseValue(spec: OptionSpec, raw: unknown, origin: string): unknown {
  if (raw === null || raw === undefined) return spec.default;
  switch (spec.type) {
    case 'string':
      return String(raw);
    case 'integer': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isInteger(n) || n < 0)
        throw new ConfigError(`${origin}: expected a whole number, got "${raw}"`);
      return n;
    }
    case 'size': {
      if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw;
      const m = SIZE.exec(String(raw).trim());
      if (!m)
        throw new ConfigError(
          `${origin}: expected a size such as 1048576, 512k or 10m, got "${raw}"`,
        );
      const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
        m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'
      ];
      return Number(m[1]) * unit;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
      throw new ConfigError(`${origin}: expected true or false, got "${raw}"`);
    }
    case 'list':
      if (Array.isArray(raw))
        return raw
          .map(String)
          .map((s) => s.trim())
          .filter(Boolean);
      return String(raw)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  }
}

/**
 * Builds the configuration: defaults, then the JSON file named by SWITCHBOARD_CONFIG_FILE, then
 * environment variables, then explicit overrides (the `start` flags), later ones winning.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  overrides: Record<string, unknown> = {},
): Config {
  let file: Record<string, unknown> = {};
  const filePath = env.SWITCHBOARD_CONFIG_FILE;
  if (filePath) {
    try {
      file = JSON.parse(readFileSync(filePath, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(
        `cannot read configuration file ${filePath}: ${(err as Error).message}`,
      );
    }
    const known = new Set<string>(OPTIONS.map((o) => o.key));
    const unknown = Object.keys(file).filter((k) => !known.has(k));
    if (unknown.length > 0)
      throw new ConfigError(`${filePath}: unknown option(s) ${unknown.join(', ')}`);
  }
  const out: Record<string, unknown> = {};
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    let value = parseValue(spec, file[spec.key], `${filePath}: ${spec.key}`);
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') value = parseValue(spec, fromEnv, spec.env);
    if (overrides[spec.key] !== undefined)
      value = parseValue(spec, overrides[spec.key], `--${spec.key}`);
    out[spec.key] = value;
  }
  const config = out as unknown as Config;
  validate(config);
  return config;
}

function validate(config: Config): void {
  if (config.httpPort > 65535)
    throw new ConfigError('SWITCHBOARD_HTTP_PORT: must be at most 65535');
  if (Boolean(config.tlsCert) !== Boolean(config.tlsKey))
    throw new ConfigError('SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY must be set together');
  for (const prefix of config.numberRanges)
    if (!/^\+[0-9]{1,15}$/.test(prefix))
      throw new ConfigError(
        `SWITCHBOARD_NUMBER_RANGES: "${prefix}" is not an E.164 prefix such as +1555`,
      );
  for (const prefix of config.dialAllowedPrefixes)
    if (!/^\+[0-9]{0,15}$/.test(prefix))
      throw new ConfigError(
        `SWITCHBOARD_DIAL_ALLOWED_PREFIXES: "${prefix}" is not an E.164 prefix such as +4930 (or + for every number)`,
      );
  if (config.messageLinkNumber !== null && !/^\+[0-9]{3,12}$/.test(config.messageLinkNumber))
    throw new ConfigError(
      `SWITCHBOARD_MESSAGE_LINK_NUMBER: "${config.messageLinkNumber}" is not a number such as +15559900 (at most 12 digits: the six of a code follow it)`,
    );
  config.dialAllowedDomains = config.dialAllowedDomains.map((d) => d.toLowerCase());
  if (
    config.dialGlobalSpendLimit !== null &&
    !/^\d+(\.\d{1,6})?$/.test(config.dialGlobalSpendLimit)
  )
    throw new ConfigError(
      `SWITCHBOARD_DIAL_GLOBAL_SPEND_LIMIT: "${config.dialGlobalSpendLimit}" is not an amount such as 250 or 99.50`,
    );
  config.domains = config.domains.map((d) => d.toLowerCase());
  for (const server of config.dnsServers)
    if (
      !isIP(server) &&
      !isIP(/^\[(.*)\](?::\d{1,5})?$/.exec(server)?.[1] ?? '') &&
      !isIP(/^([\d.]+):\d{1,5}$/.exec(server)?.[1] ?? '')
    )
      throw new ConfigError(
        `SWITCHBOARD_DNS_SERVERS: "${server}" is not an address such as 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53`,
      );
  if (Boolean(config.dkimSelector) !== Boolean(config.dkimKeyFile))
    throw new ConfigError(
      'SWITCHBOARD_DKIM_SELECTOR and SWITCHBOARD_DKIM_KEY_FILE must be set together',
    );
  for (const key of [
    'deliveryPollMs',
    'deliveryLeaseSeconds',
    'deliveryBatch',
    'resourceFailureLimit',
  ] as const)
    if (config[key] < 1) throw new ConfigError(`${key}: must be at least 1`);
  if (config.adminToken !== null && config.adminToken.length < 16)
    throw new ConfigError('SWITCHBOARD_ADMIN_TOKEN: use at least 16 characters');
}
