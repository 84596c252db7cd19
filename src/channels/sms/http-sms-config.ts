/**
 * An SMS resource with `config.protocol: 'http'`: a provider's REST API out, its webhooks in.
 * The API password or token, and the secret its webhooks are signed with, are the resource
 * secret (see `providerCredentials`), never here.
 */
export interface HttpSmsConfig {
  protocol: 'http';
  /** Where a text is POSTed (http: or https:). */
  url: string;
  /** `json` (an object) or `form` (application/x-www-form-urlencoded). */
  bodyFormat?: 'json' | 'form';
  /** The body's field names for the sender, the recipient and the text. */
  fromField?: string;
  toField?: string;
  textField?: string;
  /** Fixed fields every request carries as well (an account id, a callback URL, a route). */
  extraFields?: Record<string, string>;
  /** Numbers as `+4915...` (e164) or `4915...` (digits). */
  numberFormat?: 'e164' | 'digits';
  /** `bearer` (the secret as the token), `basic` (`username` and the secret), or `none`. */
  auth?: 'bearer' | 'basic' | 'none';
  username?: string;
  /** Where the provider's message id is in its JSON answer: `id`, `messages.0.id`, ... */
  messageIdPath?: string;
  /** true: the provider splits long texts (sent once, billed by parts); false: we send parts. */
  providerSplits?: boolean;
  timeoutSeconds?: number;
  /** The number (+4915...) or alphanumeric name texts go from; replies come back to it. */
  sourceAddr?: string;
  /** true: the provider calls the status webhook, and deliveries wait (A) for it. */
  statusWebhooks?: boolean;
  /** How long to wait for a status webhook before sending again. */
  receiptSeconds?: number;
  maxParts?: number;
  /** How the provider proves a webhook is its: an HMAC of the body, or a token in the URL. */
  webhookAuth?: 'hmac' | 'url-token';
  /** The header carrying the HMAC-SHA256 of the body (hex or base64, `sha256=` allowed). */
  signatureHeader?: string;
  signatureEncoding?: 'hex' | 'base64';
  /** Where a status webhook has the provider's message id and its status. */
  statusIdField?: string;
  statusField?: string;
  /** Statuses that end a delivery (compared without case); any other is interim. */
  deliveredStatuses?: string[];
  failedStatuses?: string[];
  /** Where an inbound-SMS webhook has the sender, the number it was sent to, and the text. */
  inboundFromField?: string;
  inboundToField?: string;
  inboundTextField?: string;
}

export const HTTP_SMS_DEFAULTS = {
  bodyFormat: 'json',
  fromField: 'from',
  toField: 'to',
  textField: 'text',
  numberFormat: 'e164',
  auth: 'bearer',
  messageIdPath: 'id',
  providerSplits: true,
  timeoutSeconds: 15,
  statusWebhooks: false,
  webhookAuth: 'hmac',
  signatureHeader: 'x-signature',
  signatureEncoding: 'hex',
  statusIdField: 'id',
  statusField: 'status',
  deliveredStatuses: ['delivered'],
  failedStatuses: ['failed', 'undelivered', 'rejected', 'expired'],
  inboundFromField: 'from',
  inboundToField: 'to',
  inboundTextField: 'text',
} as const;

/** A config with every default filled in. */
export type HttpSms = Required<Omit<HttpSmsConfig, 'username' | 'sourceAddr' | 'extraFields'>> &
  Pick<HttpSmsConfig, 'username'> & { sourceAddr: string; extraFields: Record<string, string> };

export function httpSms(
  config: HttpSmsConfig,
  smsDefaults: { receiptSeconds: number; maxParts: number },
): HttpSms {
  return {
    ...HTTP_SMS_DEFAULTS,
    deliveredStatuses: [...HTTP_SMS_DEFAULTS.deliveredStatuses],
    failedStatuses: [...HTTP_SMS_DEFAULTS.failedStatuses],
    receiptSeconds: smsDefaults.receiptSeconds,
    maxParts: smsDefaults.maxParts,
    extraFields: {},
    ...config,
    sourceAddr: config.sourceAddr ?? '',
  };
}

const FIELD = /^[A-Za-z0-9_.$:-]{1,100}$/;
const CHOICES: Array<[keyof HttpSmsConfig, readonly string[]]> = [
  ['bodyFormat', ['json', 'form']],
  ['numberFormat', ['e164', 'digits']],
  ['auth', ['bearer', 'basic', 'none']],
  ['webhookAuth', ['hmac', 'url-token']],
  ['signatureEncoding', ['hex', 'base64']],
];
const FIELDS: Array<keyof HttpSmsConfig> = [
  'fromField',
  'toField',
  'textField',
  'messageIdPath',
  'statusIdField',
  'statusField',
  'inboundFromField',
  'inboundToField',
  'inboundTextField',
];

/** What an HTTP SMS resource's config says wrong (null when it is usable). */
export function httpSmsConfigProblem(c: Record<string, unknown>): string | null {
  let url: URL | null = null;
  try {
    url = typeof c.url === 'string' ? new URL(c.url) : null;
  } catch {
    url = null;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol))
    return 'an HTTP SMS resource needs config.url (http: or https:)';
  if (url.username || url.password)
    return 'config.url carries no credentials: they are the resource secret';
  for (const [key, allowed] of CHOICES) {
    const v = c[key];
    if (v !== undefined && !allowed.includes(v as string))
      return `config.${key} is one of ${allowed.join(', ')}`;
  }
  for (const key of FIELDS) {
    const v = c[key];
    if (v !== undefined && (typeof v !== 'string' || !FIELD.test(v)))
      return `config.${key} is a field name or a dotted path (letters, digits, _ . $ : -)`;
  }
  if (
    c.auth === 'basic' &&
    (typeof c.username !== 'string' || !c.username || c.username.includes(':'))
  )
    return 'config.auth basic needs config.username (without a colon)';
  if (
    c.signatureHeader !== undefined &&
    (typeof c.signatureHeader !== 'string' || !/^[A-Za-z0-9-]{1,100}$/.test(c.signatureHeader))
  )
    return 'config.signatureHeader is a header name';
  for (const key of ['providerSplits', 'statusWebhooks'] as const)
    if (c[key] !== undefined && typeof c[key] !== 'boolean')
      return `config.${key} is true or false`;
  for (const key of ['deliveredStatuses', 'failedStatuses'] as const) {
    const v = c[key];
    if (
      v !== undefined &&
      (!Array.isArray(v) ||
        v.length > 50 ||
        !v.every((s) => typeof s === 'string' && s.length <= 100))
    )
      return `config.${key} is a list of at most 50 statuses`;
  }
  const extra = c.extraFields;
  if (extra !== undefined) {
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra))
      return 'config.extraFields is an object of field names and text values';
    const entries = Object.entries(extra);
    if (
      entries.length > 50 ||
      !entries.every(([k, v]) => FIELD.test(k) && typeof v === 'string' && v.length <= 1000)
    )
      return 'config.extraFields has at most 50 fields, each a name and a text of at most 1000 characters';
  }
  const t = c.timeoutSeconds;
  if (t !== undefined && (!Number.isInteger(t) || (t as number) < 1 || (t as number) > 300))
    return 'config.timeoutSeconds is a whole number from 1 to 300';
  return null;
}
