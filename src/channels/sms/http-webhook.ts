import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HttpSms } from './http-sms-config.js';
import { valueAt } from './http-provider.js';
import { telOf } from './sms-config.js';

/** A provider's webhook as it came: the exact body bytes (what is signed), and how it came. */
export interface WebhookRequest {
  contentType: string;
  body: Buffer;
  header(name: string): string | undefined;
  /** The `token` query parameter, if any. */
  token: string | undefined;
}

/** Same length and same bytes, in time that does not depend on where they differ. */
function sameSecret(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/**
 * Why a webhook is not the provider's (null when it is): with `hmac`, the configured header
 * must carry the HMAC-SHA256 of the exact body under the webhook secret (hex or base64, a
 * `sha256=` prefix allowed); with `url-token`, the URL's `token` must be the secret itself.
 */
export function webhookForgery(
  config: Pick<HttpSms, 'webhookAuth' | 'signatureHeader' | 'signatureEncoding'>,
  webhookSecret: string,
  request: WebhookRequest,
): string | null {
  if (!webhookSecret) return 'the resource has no webhook secret';
  if (config.webhookAuth === 'url-token') {
    if (!request.token) return 'no token in the URL';
    return sameSecret(Buffer.from(request.token), Buffer.from(webhookSecret))
      ? null
      : 'the URL token is wrong';
  }
  const given = request.header(config.signatureHeader.toLowerCase())?.trim();
  if (!given) return `no ${config.signatureHeader} header`;
  const signature = given.replace(/^sha256=/i, '');
  const expected = createHmac('sha256', webhookSecret).update(request.body).digest();
  const decoded =
    config.signatureEncoding === 'base64'
      ? Buffer.from(signature, 'base64')
      : /^[0-9a-f]+$/i.test(signature)
        ? Buffer.from(signature, 'hex')
        : Buffer.alloc(0);
  return sameSecret(decoded, expected) ? null : 'the signature does not match the body';
}

/** The fields of a JSON object or a form body; null when it is neither. */
export function webhookFields(request: WebhookRequest): Record<string, unknown> | null {
  const type = request.contentType.split(';')[0]!.trim().toLowerCase();
  const text = request.body.toString('utf8');
  if (type === 'application/x-www-form-urlencoded')
    return Object.fromEntries(new URLSearchParams(text));
  if (type !== 'application/json' && !type.endsWith('+json')) return null;
  try {
    const data: unknown = JSON.parse(text);
    return typeof data === 'object' && data !== null && !Array.isArray(data)
      ? (data as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A status webhook read: the provider's message id, its status, and what that means. */
export interface ProviderStatus {
  id: string;
  status: string;
  outcome: 'delivered' | 'failed' | 'pending';
}

export function providerStatus(
  config: Pick<HttpSms, 'statusIdField' | 'statusField' | 'deliveredStatuses' | 'failedStatuses'>,
  fields: Record<string, unknown>,
): ProviderStatus | null {
  const id = valueAt(fields, config.statusIdField)?.trim();
  const status = valueAt(fields, config.statusField)?.trim();
  if (!id || !status || id.length > 200 || status.length > 100) return null;
  const is = (list: string[]) => list.some((s) => s.toLowerCase() === status.toLowerCase());
  const outcome = is(config.deliveredStatuses)
    ? 'delivered'
    : is(config.failedStatuses)
      ? 'failed'
      : 'pending';
  return { id, status, outcome };
}

/** An inbound-SMS webhook read: sender and recipient as tel: URIs, and the text. */
export function providerInbound(
  config: Pick<HttpSms, 'inboundFromField' | 'inboundToField' | 'inboundTextField'>,
  fields: Record<string, unknown>,
): { from: string; to: string; text: string } | null {
  const from = telOf(valueAt(fields, config.inboundFromField)?.trim() ?? '');
  const to = telOf(valueAt(fields, config.inboundToField)?.trim() ?? '');
  const text = valueAt(fields, config.inboundTextField);
  if (!from || !to || text === null) return null;
  return { from, to, text };
}
