import { createHmac } from 'node:crypto';
import type { OutboundResource, SendOutcome, SendRequest } from '../../core/delivery.js';

export const WEBHOOK_DEFAULTS = { timeoutMs: 10_000, inlineMaxBytes: 65_536 };

/** The signature header: HMAC-SHA256 of the exact body with the resource's shared secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Delivers a message or a notice as an HTTP POST of JSON. Parts up to `inlineMaxBytes` travel
 * inline (base64), larger ones as signed links. The delivery id is the Idempotency-Key, so a
 * receiver can drop the repeats that at-least-once delivery brings. 2xx is sent; 408, 429, 5xx
 * and time-outs are retried; any other answer fails the delivery.
 */
export class WebhookResource implements OutboundResource {
  readonly type = 'webhook';

  /**
   * A notice as the receiver gets it: its payload, the message link, and for a new message the
   * notice code and the number that plays it (the message link number, when there is one).
   */
  private async notice(request: SendRequest, payload: Record<string, unknown>) {
    const code = payload.notice === 'new-message' ? await request.noticeCode() : null;
    return {
      ...payload,
      link: request.messageLink(),
      ...(code ? { code: code.code, call: code.call } : {}),
    };
  }

  async send(request: SendRequest): Promise<SendOutcome> {
    const { delivery, message, resource } = request;
    const url = resource.config.url;
    if (typeof url !== 'string')
      return { result: 'failed', error: `resource ${resource.name} has no url` };
    const timeoutMs = Number(resource.config.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs);
    const inlineMax = Number(resource.config.inlineMaxBytes ?? WEBHOOK_DEFAULTS.inlineMaxBytes);
    const parts = [];
    for (const p of message.parts) {
      const base = {
        index: p.index,
        contentType: p.contentType,
        filename: p.filename,
        size: p.size,
        sha256: p.sha256,
      };
      parts.push(
        p.size <= inlineMax
          ? { ...base, content: (await request.part(p.index)).toString('base64') }
          : { ...base, url: request.partLink(p.index) },
      );
    }
    const body = JSON.stringify({
      delivery: {
        id: delivery.id,
        kind: delivery.kind,
        recipient: delivery.recipient,
        priority: delivery.priority,
        attempt: delivery.attempts,
      },
      message: {
        id: message.id,
        type: message.type,
        from: message.from,
        to: message.to,
        subject: message.subject,
        urgent: message.urgent,
        createdAt: message.createdAt,
        durationMs: message.durationMs,
        pages: message.pages,
        parts,
      },
      ...(delivery.payload ? { notice: await this.notice(request, delivery.payload) } : {}),
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': delivery.id,
      'user-agent': 'Switchboard-Webhook/1',
    };
    if (request.secret) headers['x-switchboard-signature'] = signBody(request.secret, body);
    let status: number;
    let answer = '';
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      answer = (await res.text()).slice(0, 300);
    } catch (err) {
      const reason =
        (err as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : String((err as Error).cause ?? err);
      return { result: 'retry', error: `${url}: ${reason}` };
    }
    if (status >= 200 && status < 300) return { result: 'sent', units: 1, unit: 'message' };
    const error = `${url} answered ${status}${answer ? `: ${answer}` : ''}`;
    if (status === 408 || status === 429 || status >= 500) return { result: 'retry', error };
    return { result: 'failed', error };
  }
}
