import { invalid } from './errors.js';

/**
 * Every endpoint is a URI: tel:+15551234567, mailto:ann@example.com, sip:ann@example.com,
 * ivm:ann@example.com. Addresses are normalised so that one endpoint has one spelling.
 */
export type AddressScheme = 'tel' | 'mailto' | 'sip' | 'ivm';
export const ADDRESS_SCHEMES: readonly AddressScheme[] = ['tel', 'mailto', 'sip', 'ivm'];

export interface Address {
  scheme: AddressScheme;
  /** The part after the scheme: an E.164 number or user@domain. */
  value: string;
  uri: string;
  /** Domain for mailto/sip/ivm, undefined for tel. */
  domain?: string;
}

const E164 = /^\+[1-9][0-9]{1,14}$/;
const USER_AT_DOMAIN =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)$/;
const SIP_USER = /^[a-z0-9!$&'()*+,;=?/_.~+-]{1,64}@([a-z0-9.-]{1,253})$/;

/** Parses and normalises an address; a bare `+1555...` means tel:, a bare `a@b` means mailto:. */
export function parseAddress(input: string): Address {
  const raw = input.trim();
  if (raw.length === 0 || raw.length > 320) throw invalid(`not an address: "${input}"`);
  let scheme: string;
  let rest: string;
  const colon = raw.indexOf(':');
  if (colon > 0 && /^[a-z]+$/i.test(raw.slice(0, colon))) {
    scheme = raw.slice(0, colon).toLowerCase();
    rest = raw.slice(colon + 1);
  } else if (raw.startsWith('+')) {
    scheme = 'tel';
    rest = raw;
  } else {
    scheme = 'mailto';
    rest = raw;
  }
  switch (scheme) {
    case 'tel': {
      const number = rest.replace(/[\s().-]/g, '');
      if (!E164.test(number)) throw invalid(`not an E.164 telephone number: "${input}"`);
      return { scheme, value: number, uri: `tel:${number}` };
    }
    case 'mailto':
    case 'ivm': {
      const value = rest.toLowerCase();
      const m = USER_AT_DOMAIN.exec(value);
      if (!m || value.includes('..')) throw invalid(`not a ${scheme} address: "${input}"`);
      return { scheme, value, uri: `${scheme}:${value}`, domain: m[1] };
    }
    case 'sip': {
      const value = rest.split(/[;>]/)[0]!.toLowerCase();
      const m = SIP_USER.exec(value);
      if (!m) throw invalid(`not a SIP address: "${input}"`);
      return { scheme, value, uri: `sip:${value}`, domain: m[1] };
    }
    default:
      throw invalid(`unsupported address scheme "${scheme}" (use tel:, mailto:, sip: or ivm:)`);
  }
}

export function normaliseAddress(input: string): string {
  return parseAddress(input).uri;
}
