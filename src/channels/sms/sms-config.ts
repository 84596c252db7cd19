import { httpSmsConfigProblem, type HttpSmsConfig } from './http-sms-config.js';

/** An SMS resource's `config`, as operators write it (`resources add --type sms ...`). */
export type SmsResourceConfig = SmsConfig | HttpSmsConfig;

/** An SMPP resource's `config` (`protocol` absent or `smpp`). */
export interface SmsConfig {
  /** How the SMSC is reached: SMPP 3.4 (the default); `http` is `HttpSmsConfig`. */
  protocol?: 'smpp';
  host?: string;
  port?: number;
  /** The ESME's system_id (the password is the resource secret). */
  systemId?: string;
  systemType?: string;
  /** The number (+4915...) or alphanumeric name messages are sent from; replies come back to it. */
  sourceAddr?: string;
  /** submit_sm in flight at once. */
  window?: number;
  /** How long to wait for a delivery receipt before trying again. */
  receiptSeconds?: number;
  /** The most parts one text may take; a longer notice is shortened, a longer message refused. */
  maxParts?: number;
  enquireLinkSeconds?: number;
}

export const SMS_DEFAULTS = {
  port: 2775,
  window: 10,
  receiptSeconds: 600,
  maxParts: 6,
  enquireLinkSeconds: 30,
};

/** What a resource config says wrong, for the API to refuse it with (null when it is usable). */
export function smsConfigProblem(config: Record<string, unknown> | undefined): string | null {
  const c = (config ?? {}) as Record<string, unknown>;
  const protocol = c.protocol ?? 'smpp';
  if (protocol !== 'smpp' && protocol !== 'http') return 'config.protocol is smpp or http';
  const common = commonProblem(c);
  if (common) return common;
  return protocol === 'http' ? httpSmsConfigProblem(c) : smppConfigProblem(c);
}

function smppConfigProblem(c: Record<string, unknown>): string | null {
  if (typeof c.host !== 'string' || !c.host) return 'an SMPP resource needs config.host';
  if (typeof c.systemId !== 'string' || !c.systemId || c.systemId.length > 15)
    return 'an SMPP resource needs config.systemId (at most 15 characters)';
  const ints: Array<[string, number, number]> = [
    ['port', 1, 65535],
    ['window', 1, 100],
    ['enquireLinkSeconds', 5, 3600],
  ];
  return intProblem(c, ints);
}

/** What both protocols share: the number texts come from, receipts and part limits. */
function commonProblem(c: Record<string, unknown>): string | null {
  if (
    typeof c.sourceAddr !== 'string' ||
    !/^(\+?[0-9]{3,15}|[A-Za-z0-9 ]{1,11})$/.test(c.sourceAddr)
  )
    return 'config.sourceAddr is the number (+4915...) or a name of at most 11 letters and digits';
  return intProblem(c, [
    ['receiptSeconds', 10, 7 * 86400],
    ['maxParts', 1, 255],
  ]);
}

function intProblem(c: Record<string, unknown>, ints: Array<[string, number, number]>) {
  for (const [key, min, max] of ints) {
    const v = c[key];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < min || (v as number) > max))
      return `config.${key} is a whole number from ${min} to ${max}`;
  }
  return null;
}

/** SMPP address fields for a number or a name: international numbers with TON 1, names TON 5. */
export function smppAddress(address: string): { ton: number; npi: number; addr: string } {
  const bare = address.replace(/^tel:/, '');
  if (/^\+[0-9]+$/.test(bare)) return { ton: 1, npi: 1, addr: bare.slice(1) };
  if (/^[0-9]+$/.test(bare)) return { ton: 0, npi: 1, addr: bare };
  return { ton: 5, npi: 0, addr: bare };
}

/** An SMPP source or destination address as our tel: URI (null for names and garbage). */
export function telOf(addr: string): string | null {
  const digits = addr.replace(/^\+/, '');
  if (!/^[0-9]{3,15}$/.test(digits)) return null;
  // Whatever the TON, numbers are taken as international: SMSCs deliver mobile-originated
  // messages with the full number, and a national one could not be told apart anyway.
  return `tel:+${digits}`;
}
