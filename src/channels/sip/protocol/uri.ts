import { SipParseError } from './message.js';

export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  user: string | null;
  host: string;
  port: number | null;
  params: Record<string, string | null>;
  headers: Record<string, string>;
}

/** `;a=b;c` → { a: 'b', c: null } (names lower-cased). */
export function parseParams(text: string): Record<string, string | null> {
  const params: Record<string, string | null> = {};
  for (const piece of text.split(';')) {
    if (!piece.trim()) continue;
    const eq = piece.indexOf('=');
    const name = (eq < 0 ? piece : piece.slice(0, eq)).trim().toLowerCase();
    params[name] =
      eq < 0
        ? null
        : piece
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1');
  }
  return params;
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new SipParseError(`bad escape in "${s.slice(0, 40)}"`);
  }
};

/** sip:user@host:port;params?headers, sips: alike, tel:+number;params (RFC 3261 19.1, RFC 3966). */
export function parseUri(text: string): SipUri {
  const m = /^(sips?|tel):(.*)$/i.exec(text.trim());
  if (!m) throw new SipParseError(`"${text.slice(0, 60)}" is not a SIP or tel URI`, 400);
  const scheme = m[1]!.toLowerCase() as SipUri['scheme'];
  let rest = m[2]!;
  const q = rest.indexOf('?');
  const headers: Record<string, string> = {};
  if (q >= 0) {
    for (const h of rest.slice(q + 1).split('&')) {
      const [k = '', v = ''] = h.split('=');
      if (k) headers[decode(k)] = decode(v);
    }
    rest = rest.slice(0, q);
  }
  if (scheme === 'tel') {
    const [number = '', ...params] = rest.split(';');
    if (!/^\+?[0-9A-Fa-f*#().-]+$/.test(number))
      throw new SipParseError(`bad tel number "${number}"`);
    return {
      scheme,
      user: number,
      host: '',
      port: null,
      params: parseParams(params.join(';')),
      headers,
    };
  }
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? decode(rest.slice(0, at).split(':')[0]!) : null;
  const hostPart = at >= 0 ? rest.slice(at + 1) : rest;
  const semi = hostPart.indexOf(';');
  const hostport = semi >= 0 ? hostPart.slice(0, semi) : hostPart;
  const hp = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(hostport);
  if (!hp) throw new SipParseError(`bad host in "${text.slice(0, 60)}"`);
  const port = hp[2] ? Number(hp[2]) : null;
  if (port !== null && (port < 1 || port > 65535)) throw new SipParseError(`bad port ${port}`);
  return {
    scheme,
    user,
    host: hp[1]!.toLowerCase(),
    port,
    params: semi >= 0 ? parseParams(hostPart.slice(semi + 1)) : {},
    headers,
  };
}

export interface NameAddr {
  display: string | null;
  uri: string;
  params: Record<string, string | null>;
}

/**
 * From, To, Contact, Route, P-Asserted-Identity, Diversion values: `"Ann" <sip:ann@x>;tag=1` or a
 * bare `sip:ann@x;tag=1` (whose parameters then belong to the header, RFC 3261 20.10).
 */
export function parseNameAddr(value: string): NameAddr {
  const v = value.trim();
  const lt = v.indexOf('<');
  if (lt >= 0) {
    const gt = v.indexOf('>', lt);
    if (gt < 0) throw new SipParseError(`unclosed < in "${v.slice(0, 60)}"`);
    const display = v
      .slice(0, lt)
      .trim()
      .replace(/^"(.*)"$/s, '$1')
      .replace(/\\(.)/g, '$1');
    return {
      display: display || null,
      uri: v.slice(lt + 1, gt).trim(),
      params: parseParams(v.slice(gt + 1)),
    };
  }
  if (v === '*') return { display: null, uri: '*', params: {} };
  const semi = v.indexOf(';');
  return {
    display: null,
    uri: semi >= 0 ? v.slice(0, semi).trim() : v,
    params: semi >= 0 ? parseParams(v.slice(semi + 1)) : {},
  };
}

export interface Via {
  transport: string;
  host: string;
  port: number | null;
  params: Record<string, string | null>;
}

/** One Via value: `SIP/2.0/UDP host:port;branch=z9hG4bK...;rport`. */
export function parseVia(value: string): Via {
  const m =
    /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?:\s*:\s*(\d{1,5}))?\s*(;.*)?$/s.exec(
      value.trim(),
    );
  if (!m) throw new SipParseError(`malformed Via "${value.slice(0, 60)}"`);
  return {
    transport: m[1]!.toUpperCase(),
    host: m[2]!.toLowerCase(),
    port: m[3] ? Number(m[3]) : null,
    params: parseParams(m[4] ?? ''),
  };
}

/** The CSeq header as number and method. */
export function parseCSeq(value: string): { seq: number; method: string } {
  const m = /^(\d{1,10})\s+(\S+)$/.exec(value.trim());
  if (!m) throw new SipParseError('malformed CSeq header');
  return { seq: Number(m[1]), method: m[2]!.toUpperCase() };
}
