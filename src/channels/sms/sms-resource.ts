import type { OutboundResource, SendOutcome, SendRequest } from '../../core/delivery.js';
import type { SmsSubmissionStore } from '../../core/delivery-ports.js';
import { textsFor } from '../../notify/templates.js';
import { httpSms, type HttpSmsConfig } from './http-sms-config.js';
import { providerCredentials } from './http-provider.js';
import { planSms, smsTexts, type SmsPlan } from './protocol/segments.js';
import { submitToProvider } from './provider-submit.js';
import {
  SMS_DEFAULTS,
  smppAddress,
  smsConfigProblem,
  type SmsConfig,
  type SmsResourceConfig,
} from './sms-config.js';
import type { SmscLink } from './smsc-link.js';
import { SMPP_STATUS } from './smpp-package.js';

export interface SmsResourceDeps {
  /** The resource's bind to its SMSC (made and kept by the app); null while it has none. */
  link(resourceId: string): SmscLink | null;
  submissions: SmsSubmissionStore;
  log(event: string, detail: object): void;
}

/** Statuses that say "not now": the queue tries again without blaming the resource. */
const TRY_LATER: ReadonlySet<number> = new Set([
  SMPP_STATUS.RTHROTTLED,
  SMPP_STATUS.RMSGQFUL,
  SMPP_STATUS.RX_T_APPN,
  SMPP_STATUS.RSYSERR,
]);

/**
 * The SMS outbound resource (seed 001's notify resource): a message's text, or a notice with its
 * link, reply commands and code, goes out over SMPP 3.4 or a provider's HTTP API.
 *
 * Over SMPP it goes to the SMSC as one submit_sm per part
 * (GSM-7 or UCS-2 with explicit data_coding, concatenated with a UDH when long), each asking
 * for a delivery receipt. Once every part is accepted the delivery waits (A) for the receipts:
 * delivered makes it S, a failure F; none in time and it is sent again. Throttling and a full
 * SMSC queue are tried later; a dropped link too (counting against the resource).
 *
 * Over HTTP it is one POST of the whole text when the provider splits long texts (billed by the
 * parts it makes), else one POST per part. With status webhooks the delivery waits (A) for them
 * the same way; without, it is sent (S) once the provider has taken it.
 */
export class SmsResource implements OutboundResource {
  readonly type = 'sms';
  private reference = Math.floor(Math.random() * 256);

  constructor(private readonly deps: SmsResourceDeps) {}

  async send(request: SendRequest): Promise<SendOutcome> {
    const { delivery, resource } = request;
    const problem = smsConfigProblem(resource.config);
    if (problem) return { result: 'failed', error: `resource ${resource.name}: ${problem}` };
    const config = resource.config as SmsResourceConfig;
    if (!delivery.recipient.startsWith('tel:') || smppAddress(delivery.recipient).ton !== 1)
      return {
        result: 'failed',
        error: `${delivery.recipient} is not a telephone number`,
        remote: true,
      };
    if (config.protocol === 'http') return this.viaProvider(request, config);
    return this.viaSmsc(request, config);
  }

  private async viaSmsc(request: SendRequest, config: SmsConfig): Promise<SendOutcome> {
    const { delivery, resource } = request;
    const to = smppAddress(delivery.recipient);
    const link = this.deps.link(resource.id);
    if (!link) return { result: 'retry', error: `resource ${resource.name} has no SMSC link yet` };

    const maxParts = config.maxParts ?? SMS_DEFAULTS.maxParts;
    let plan: SmsPlan;
    try {
      const text = await this.text(request, maxParts);
      plan = planSms(text, this.reference++, maxParts);
    } catch (err) {
      return { result: 'failed', error: (err as Error).message, remote: true };
    }
    const from = smppAddress(config.sourceAddr!);
    const ids: string[] = [];
    for (const [i, part] of plan.parts.entries()) {
      let answer;
      try {
        answer = await link.submit({
          source_addr_ton: from.ton,
          source_addr_npi: from.npi,
          source_addr: from.addr,
          dest_addr_ton: to.ton,
          dest_addr_npi: to.npi,
          destination_addr: to.addr,
          esm_class: plan.parts.length > 1 ? 0x40 : 0,
          registered_delivery: 0x01,
          data_coding: plan.dataCoding,
          short_message: part,
        });
      } catch (err) {
        const error = `part ${i + 1} of ${plan.parts.length}: ${(err as Error).message}`;
        // The link dropped or the SMSC did not answer: the resource's trouble, tried again.
        return { result: 'retry', error };
      }
      if ('status' in answer) {
        const error = `the SMSC refused part ${i + 1} of ${plan.parts.length}: command_status 0x${answer.status.toString(16).padStart(4, '0')}`;
        if (TRY_LATER.has(answer.status)) return { result: 'retry', error, remote: true };
        return { result: 'failed', error, remote: true };
      }
      ids.push(answer.messageId);
    }
    await this.record(request, ids);
    this.deps.log('SMS submitted', {
      delivery: delivery.id,
      resource: resource.name,
      parts: ids.length,
      dataCoding: plan.dataCoding,
      smscIds: ids,
    });
    return {
      result: 'sent',
      units: ids.length,
      unit: 'sms',
      detail: `${ids.length} part(s) accepted by the SMSC (${ids.join(', ')})`,
      awaitReceiptMs: (config.receiptSeconds ?? SMS_DEFAULTS.receiptSeconds) * 1000,
    };
  }

  private async viaProvider(request: SendRequest, raw: HttpSmsConfig): Promise<SendOutcome> {
    const { delivery, resource } = request;
    const config = httpSms(raw, SMS_DEFAULTS);
    let texts: string[];
    let units: number;
    try {
      const text = await this.text(request, config.maxParts);
      const parts = smsTexts(text, config.maxParts);
      // A provider that splits is billed by the parts it makes, the same as ours.
      texts = config.providerSplits ? [text] : parts;
      units = parts.length;
    } catch (err) {
      return { result: 'failed', error: (err as Error).message, remote: true };
    }
    const { password } = providerCredentials(request.secret);
    const ids: string[] = [];
    for (const [i, text] of texts.entries()) {
      const answer = await submitToProvider(config, password, {
        from: config.sourceAddr,
        to: delivery.recipient,
        text,
      });
      if (answer.result !== 'accepted') {
        const error =
          texts.length > 1 ? `part ${i + 1} of ${texts.length}: ${answer.error}` : answer.error;
        return { result: answer.result, error, remote: answer.remote };
      }
      if (answer.messageId) ids.push(answer.messageId);
    }
    // Without an id for every POST a status webhook could not be matched: nothing to wait for.
    const awaiting = config.statusWebhooks && ids.length === texts.length;
    if (config.statusWebhooks && !awaiting)
      this.deps.log('no message id in the provider’s answer; not waiting for its status', {
        delivery: delivery.id,
        resource: resource.name,
        messageIdPath: config.messageIdPath,
      });
    if (awaiting) await this.record(request, ids);
    this.deps.log('SMS handed to the provider', {
      delivery: delivery.id,
      resource: resource.name,
      parts: units,
      requests: texts.length,
      providerIds: ids,
    });
    return {
      result: 'sent',
      units,
      unit: 'sms',
      detail: `${units} part(s) accepted by the provider${ids.length ? ` (${ids.join(', ')})` : ''}`,
      ...(awaiting ? { awaitReceiptMs: config.receiptSeconds * 1000 } : {}),
    };
  }

  /** Remembers the network's ids of the parts, for the receipts that will name them. */
  private async record(request: SendRequest, ids: string[]): Promise<void> {
    await this.deps.submissions.recordSubmissions(
      ids.map((smscId, i) => ({
        resourceId: request.resource.id,
        smscId,
        deliveryId: request.delivery.id,
        part: i + 1,
        parts: ids.length,
      })),
    );
  }

  /**
   * What the SMS says. A new-message notice: its subject line, the message link, the reply
   * commands and a fresh code (shortened to fit when the subject is long); a notification with
   * text (a transcript asked for by reply, a confirmation): that text; a message: its text.
   */
  private async text(request: SendRequest, maxParts: number): Promise<string> {
    const { delivery, message } = request;
    const payload = delivery.payload ?? {};
    if (delivery.kind === 'notification' && payload.notice === 'new-message') {
      const texts = textsFor(String(payload.language ?? 'en'));
      const issued = await request.noticeCode();
      if (!issued) throw new Error('a notice without a subscriber has no code');
      const { code, call } = issued;
      const link = request.messageLink();
      let subject = String(payload.subject ?? 'New message');
      let text = texts.smsNotice({ subject, link, code, call });
      while (countParts(text) > maxParts && subject.length > 20) {
        subject = `${subject.slice(0, Math.floor(subject.length * 0.8))}…`;
        text = texts.smsNotice({ subject, link, code, call });
      }
      return text;
    }
    if (delivery.kind === 'notification') {
      if (typeof payload.text !== 'string' || !payload.text)
        throw new Error('the notification has no text');
      return payload.text;
    }
    const part = message.parts.find(
      (p) => p.derivedFrom === null && p.contentType.startsWith('text/plain'),
    );
    if (!part) throw new Error(`a ${message.type} message without text cannot go as SMS`);
    return (await request.part(part.index)).toString('utf8').trim();
  }
}

function countParts(text: string): number {
  try {
    return planSms(text, 0).parts.length;
  } catch {
    return Infinity;
  }
}
