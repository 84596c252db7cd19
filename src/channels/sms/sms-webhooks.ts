import type { Resource } from '../../core/delivery.js';
import { invalid, SwitchboardError, unauthorized } from '../../core/errors.js';
import { httpSms, type HttpSmsConfig } from './http-sms-config.js';
import { providerCredentials } from './http-provider.js';
import {
  providerInbound,
  providerStatus,
  webhookFields,
  webhookForgery,
  type WebhookRequest,
} from './http-webhook.js';
import { idCandidates } from './protocol/delivery-receipt.js';
import type { SmsArrivals } from './sms-arrivals.js';
import { SMS_DEFAULTS, smsConfigProblem } from './sms-config.js';

export type SmsWebhookKind = 'status' | 'inbound';

export interface SmsWebhookCall extends WebhookRequest {
  /** The resource's id or name, from the URL. */
  resource: string;
  kind: SmsWebhookKind;
  /** Who called (for the log). */
  remote: string;
}

export interface SmsWebhookDeps {
  /** The `sms` resource with that id or name, and its secret; null when there is none. */
  resource(ref: string): Promise<{ resource: Resource; secret: string | null } | null>;
  arrivals(resource: Resource): Pick<SmsArrivals, 'message' | 'receipt'>;
  warn(event: string, detail: object): void;
  info(event: string, detail: object): void;
}

/** What is answered: taken (stored, a receipt matched) or ignored (an interim status, ...). */
export interface SmsWebhookAnswer {
  status: 'accepted' | 'ignored';
}

/**
 * The webhooks an HTTP SMS provider calls: delivery statuses (ending the delivery that waits
 * for them, as an SMSC's receipt does) and incoming SMS (a reply command or a message for the
 * mailbox of the number it was sent to, as over SMPP). The caller is the provider, not a user:
 * it proves itself with the resource's webhook secret, and anything that does not is refused
 * with the same answer whatever was wrong (unknown resource, no signature, a forged one), and
 * logged with the reason.
 */
export class SmsWebhooks {
  constructor(private readonly deps: SmsWebhookDeps) {}

  async handle(call: SmsWebhookCall): Promise<SmsWebhookAnswer> {
    const found = await this.deps.resource(call.resource);
    const config = found?.resource.config as HttpSmsConfig | undefined;
    const usable =
      found && config?.protocol === 'http' && smsConfigProblem(found.resource.config) === null;
    const why = !usable
      ? 'no HTTP SMS resource has that id or name'
      : webhookForgery(
          httpSms(config!, SMS_DEFAULTS),
          providerCredentials(found.secret).webhookSecret,
          call,
        );
    if (why) {
      this.deps.warn('SMS webhook refused', {
        resource: call.resource,
        kind: call.kind,
        remote: call.remote,
        reason: why,
      });
      throw unauthorized('the webhook is not signed by the provider of an HTTP SMS resource');
    }
    const resource = found!.resource;
    const c = httpSms(config!, SMS_DEFAULTS);
    const fields = webhookFields(call);
    if (!fields) throw invalid('the body is no JSON object or form');
    const arrivals = this.deps.arrivals(resource);
    if (call.kind === 'status') {
      const status = providerStatus(c, fields);
      if (!status) throw invalid(`a status webhook needs ${c.statusIdField} and ${c.statusField}`);
      if (status.outcome === 'pending') return { status: 'ignored' };
      const matched = await arrivals.receipt({
        id: status.id,
        candidates: idCandidates(status.id),
        outcome: status.outcome,
        error: `the provider reports ${status.status}`,
      });
      return { status: matched === 'matched' ? 'accepted' : 'ignored' };
    }
    const sms = providerInbound(c, fields);
    if (!sms)
      throw invalid(
        `an inbound SMS needs ${c.inboundFromField} and ${c.inboundToField} (numbers) and ${c.inboundTextField}`,
      );
    const taken = await arrivals.message(sms.from, sms.to, sms.text);
    // Permanent, so the provider stops offering it: the number is nobody's mailbox here.
    if (taken === 'not-ours')
      throw new SwitchboardError('no-mailbox', `no mailbox has the number ${sms.to}`);
    this.deps.info('SMS arrived by webhook', {
      resource: resource.name,
      from: sms.from,
      to: sms.to,
    });
    return { status: 'accepted' };
  }
}
