import type { BlockList } from 'node:net';
import { authenticate } from 'mailauth';
import { invalid } from '../../core/errors.js';
import type { DnsLookup } from '../../lib/dns-resolver.js';
import { inNetworks, networkList } from '../../lib/networks.js';

export const MAIL_AUTH_POLICIES = ['dmarc', 'reject', 'junk', 'accept', 'off'] as const;
export type MailAuthPolicy = (typeof MAIL_AUTH_POLICIES)[number];

/** Where a checked mail goes: the inbox, the junk folder, or refused at DATA. */
export type MailAuthAction = 'inbox' | 'junk' | 'reject';

export interface MailAuthVerdict {
  /** The RFC 8601 Authentication-Results value (without the header name) kept with the message. */
  results: string;
  action: MailAuthAction;
  /** Why the mail failed, for the SMTP reply and the log; null when it passed. */
  failure: string | null;
}

export interface MailAuthOptions {
  policy: MailAuthPolicy;
  trustedNetworks: readonly string[];
  hostname: string;
  lookup: DnsLookup;
}

export function parsePolicy(value: string): MailAuthPolicy {
  if ((MAIL_AUTH_POLICIES as readonly string[]).includes(value)) return value as MailAuthPolicy;
  throw invalid(
    `SWITCHBOARD_MAIL_AUTH_POLICY is "${value}"; use one of ${MAIL_AUTH_POLICIES.join(', ')}`,
  );
}

/**
 * SPF, DKIM and DMARC for mail arriving from the world (mailauth does the checking), and the
 * operator's policy on what failing mail gets. Mail from trusted networks (own relays) is not
 * checked: their SPF would say nothing about the original sender.
 */
export class MailAuthenticator {
  private readonly trusted: BlockList;

  constructor(private readonly options: MailAuthOptions) {
    try {
      this.trusted = networkList(options.trustedNetworks, 'SWITCHBOARD_MAIL_TRUSTED_NETWORKS');
    } catch (err) {
      throw invalid((err as Error).message);
    }
  }

  async check(
    raw: Buffer,
    client: { ip: string; helo: string; sender: string },
  ): Promise<MailAuthVerdict | null> {
    if (this.options.policy === 'off') return null;
    const ip = client.ip.replace(/^::ffff:/, '');
    if (inNetworks(this.trusted, ip)) return null;
    const result = await authenticate(raw, {
      ip,
      helo: client.helo,
      sender: client.sender,
      mta: this.options.hostname,
      resolver: this.options.lookup as never,
      disableArc: true,
      disableBimi: true,
    });
    const header = /Authentication-Results:\s*([\s\S]*)$/i.exec(result.headers.trim());
    const results = (header?.[1] ?? '').replace(/\r?\n\s*/g, ' ').trim();
    const dmarc = result.dmarc ? result.dmarc : null;
    const dmarcResult = dmarc?.status?.result ?? 'none';
    const spfResult = result.spf ? result.spf.status.result : 'none';
    const dkimPass = (result.dkim.results ?? []).some((r) => r.status.result === 'pass');
    // With a DMARC record its verdict decides; without one, a hard SPF fail and no valid DKIM
    // signature is the only sure sign of forgery.
    const failed =
      dmarc && dmarcResult !== 'none' ? dmarcResult === 'fail' : spfResult === 'fail' && !dkimPass;
    if (!failed) return { results, action: 'inbox', failure: null };
    const failure =
      dmarcResult === 'fail'
        ? `DMARC fails for ${String(dmarc?.domain ?? 'the sender domain')} (policy ${String(dmarc?.policy ?? 'none')})`
        : `SPF fails for ${client.sender || client.helo}`;
    return { results, action: this.action(dmarcResult === 'fail' ? dmarc?.policy : null), failure };
  }

  private action(published: string | null | undefined): MailAuthAction {
    switch (this.options.policy) {
      case 'reject':
        return 'reject';
      case 'junk':
        return 'junk';
      case 'dmarc':
        return published === 'reject' ? 'reject' : published === 'quarantine' ? 'junk' : 'inbox';
      default:
        return 'inbox';
    }
  }
}
