import type { HttpSms } from './http-sms-config.js';

/** What the resource secret of an HTTP SMS resource holds. */
export interface ProviderCredentials {
  /** The API token (bearer) or password (basic). */
  password: string;
  /** What webhooks are signed with, or carry in the URL; empty: every webhook is refused. */
  webhookSecret: string;
}

/**
 * The resource secret read as credentials: a JSON object `{"password": ..., "webhookSecret":
 * ...}` (`token` is taken for `password`) when the API and the webhooks use different secrets,
 * else the one string for both (as providers that sign webhooks with the API token do).
 */
export function providerCredentials(secret: string | null): ProviderCredentials {
  const s = secret ?? '';
  if (s.trimStart().startsWith('{')) {
    try {
      const o = JSON.parse(s) as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v : '');
      return { password: str(o.password) || str(o.token), webhookSecret: str(o.webhookSecret) };
    } catch {
      // Not JSON after all: a secret that happens to start with a brace.
    }
  }
  return { password: s, webhookSecret: s };
}

export interface ProviderRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

/** A tel: URI or number the way the provider wants it. */
export function providerNumber(address: string, format: HttpSms['numberFormat']): string {
  const bare = address.replace(/^tel:/, '');
  if (!/^\+?[0-9]+$/.test(bare)) return bare; // an alphanumeric sender goes as it is
  const digits = bare.replace(/^\+/, '');
  return format === 'digits' ? digits : `+${digits}`;
}

/** Sets `value` at a dotted path (`message.to`), making the objects on the way. */
function setAt(target: Record<string, unknown>, path: string, value: string): void {
  const keys = path.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    at = (typeof next === 'object' && next !== null ? next : (at[key] = {})) as Record<
      string,
      unknown
    >;
  }
  at[keys.at(-1)!] = value;
}

/**
 * The request that sends one text: the fixed fields, then from, to and text under their
 * configured names (dotted paths nest in JSON; a form body takes them as they are), and the
 * authorization from the credentials.
 */
export function providerRequest(
  config: HttpSms,
  password: string,
  sms: { from: string; to: string; text: string },
): ProviderRequest {
  const fields: Array<[string, string]> = [
    ...Object.entries(config.extraFields),
    [config.fromField, providerNumber(sms.from, config.numberFormat)],
    [config.toField, providerNumber(sms.to, config.numberFormat)],
    [config.textField, sms.text],
  ];
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': 'Switchboard-SMS/1',
  };
  let body: string;
  if (config.bodyFormat === 'form') {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(fields).toString();
  } else {
    headers['content-type'] = 'application/json';
    const object: Record<string, unknown> = {};
    for (const [path, value] of fields) setAt(object, path, value);
    body = JSON.stringify(object);
  }
  if (config.auth === 'bearer') headers.authorization = `Bearer ${password}`;
  if (config.auth === 'basic')
    headers.authorization = `Basic ${Buffer.from(`${config.username ?? ''}:${password}`).toString('base64')}`;
  return { url: config.url, method: 'POST', headers, body };
}

/** The value at a dotted path (`messages.0.id`; digits index arrays), as text, or null. */
export function valueAt(data: unknown, path: string): string | null {
  let at: unknown = data;
  if (typeof at === 'object' && at !== null && path in at)
    at = (at as Record<string, unknown>)[path]; // a flat key with dots in it (form fields)
  else
    for (const key of path.split('.')) {
      if (typeof at !== 'object' || at === null) return null;
      at = (at as Record<string, unknown>)[key];
    }
  if (typeof at === 'string') return at;
  if (typeof at === 'number' && Number.isFinite(at)) return String(at);
  return null;
}

/** What the provider's answer means for the delivery. */
export type ProviderAnswer =
  | { result: 'accepted'; messageId: string | null }
  | { result: 'retry'; error: string; remote: boolean }
  | { result: 'failed'; error: string; remote: boolean };

/**
 * Reads the provider's answer. 2xx: accepted, with the message id found at the configured path
 * of a JSON body (null when there is none). 3xx: the configured URL is wrong. 429 (throttled: not the provider's fault, so it is
 * not held against it) and 408/5xx (the provider's trouble) are tried again; 401 and 403 (our
 * credentials) fail and count against the resource; any other 4xx (the text or the number)
 * fails the delivery alone.
 */
export function providerAnswer(
  config: Pick<HttpSms, 'messageIdPath'>,
  status: number,
  body: string,
): ProviderAnswer {
  const said = body.replace(/\s+/g, ' ').trim().slice(0, 300);
  const error = `the provider answered ${status}${said ? `: ${said}` : ''}`;
  if (status >= 200 && status < 300) {
    let data: unknown = null;
    try {
      data = JSON.parse(body);
    } catch {
      data = null;
    }
    return { result: 'accepted', messageId: valueAt(data, config.messageIdPath) };
  }
  // Redirects are not followed (credentials would go along): the URL is out of date.
  if (status < 400) return { result: 'failed', error, remote: false };
  if (status === 429) return { result: 'retry', error, remote: true };
  if (status === 408 || status >= 500) return { result: 'retry', error, remote: false };
  if (status === 401 || status === 403) return { result: 'failed', error, remote: false };
  return { result: 'failed', error, remote: true };
}
