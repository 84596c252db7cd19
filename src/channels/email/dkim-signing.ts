import type DKIM from 'nodemailer/lib/dkim/index.js';

/** The server's own DKIM key (SWITCHBOARD_DKIM_SELECTOR and _KEY_FILE) and the domains it signs for. */
export interface LocalDkimKey {
  selector: string;
  privateKey: string;
  domains: readonly string[];
}

/**
 * The DKIM signature a mail gets: the resource's own `config.dkim` when it has one (a smarthost
 * account signing for someone else's domain), otherwise the local key with d= the From domain
 * when that domain is ours. Mail from other domains goes unsigned: a signature for a domain we
 * do not own would only fail DMARC there.
 */
export function dkimOptions(
  from: string | null,
  local: LocalDkimKey | null,
  override: unknown,
): DKIM.Options | undefined {
  if (override && typeof override === 'object') return override as DKIM.Options;
  if (!local || !from) return undefined;
  const domain = from.slice(from.lastIndexOf('@') + 1).toLowerCase();
  if (!local.domains.some((d) => d.toLowerCase() === domain)) return undefined;
  return { domainName: domain, keySelector: local.selector, privateKey: local.privateKey };
}
