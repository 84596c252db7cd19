import type { Logger } from 'pino';
import type {
  CallFailure,
  OutboundCalls,
  PlacedCall,
} from '../channels/sip/calls/outbound-call.js';
import type { CallBack, RetrievalServices } from '../channels/sip/calls/retrieval-call.js';
import {
  VOICE_DEFAULTS,
  voiceCallerId,
  voiceTrunk,
  type VoiceConfig,
} from '../channels/sip/voice-resource.js';
import type { CdrStore } from '../core/delivery-ports.js';
import type { Directory } from '../directory/directory.js';
import { newId } from '../lib/ids.js';
import type { Dispatcher } from '../queue/dispatcher.js';
import type { DialPolicy } from '../router/dial-policy.js';

export interface CallBackDeps {
  /** The queue's channels: a call-back takes a voice resource's line like a delivery does. */
  channels: Pick<Dispatcher, 'borrowChannel'>;
  policy: Pick<DialPolicy, 'check'>;
  /** The SIP side's calls out (null until it is up). */
  calls(): Pick<OutboundCalls, 'place'> | null;
  cdrs: Pick<CdrStore, 'insertCdr'>;
  directory: Pick<Directory, 'lookup'>;
  domain: string;
  /** The longest a call-back may last before it is ended. */
  maxSeconds: number;
  logger: Logger;
}

/**
 * The spend checks price a call-back ahead as this long: its real length is unknown, and a
 * subscriber near their limit should still be able to return a short call.
 */
const EXPECTED_SECONDS = 300;

const REFUSED_BY_FAILURE: Record<CallFailure['failed'], Extract<CallBack, { refused: unknown }>> = {
  busy: { refused: 'busy' },
  'no-answer': { refused: 'no-answer' },
  refused: { refused: 'failed' },
  unreachable: { refused: 'failed' },
};

/**
 * The call-back of the mailbox menu (3 then 2), as the voice outbound resource places it: the
 * sender's tel: or sip: address; a line of the cheapest able voice resource (it shows busy in
 * the resource's bitmap meanwhile); the dial policy with the subscriber as the payer; the call
 * through the resource's trunk, with the subscriber's number as caller id. Every attempt leaves
 * a CDR (by the second when answered, `call-back:<Call-ID>` in place of a delivery id), so
 * call-backs count towards the spend limits like any call.
 */
export function callBackPlacer(d: CallBackDeps): RetrievalServices['callBack'] {
  return async (owner, message, signal): Promise<CallBack> => {
    const destination = message.from;
    const log = (event: string, detail: object) =>
      d.logger.info({ subscriber: owner.subscriberId, destination, ...detail }, event);
    if (!/^(tel|sips?):/i.test(destination)) return { refused: 'no-number' };
    const calls = d.calls();
    const line = calls ? await d.channels.borrowChannel('voice', destination) : null;
    if (!calls || !line || 'unavailable' in line) {
      log('call-back: no line', { reason: line && 'reason' in line ? line.reason : 'no SIP side' });
      return { refused: 'no-line' };
    }
    const { resource, rate } = line;
    const cdr = (started: Date, result: 'sent' | 'failed', seconds: number, id: string) =>
      d.cdrs.insertCdr({
        id: newId(),
        deliveryId: `call-back:${id}`,
        subscriberId: owner.subscriberId,
        resourceId: resource.id,
        destination,
        attempt: 1,
        result,
        unit: 'second',
        units: seconds,
        rateMicros: rate.priceMicros,
        costMicros: seconds * rate.priceMicros,
        currency: resource.currency,
        startedAt: started.toISOString(),
        endedAt: new Date().toISOString(),
      });
    let placed: PlacedCall | CallFailure;
    const started = new Date();
    try {
      const verdict = await d.policy.check({
        destination,
        subscriberId: owner.subscriberId,
        rate,
        currency: resource.currency,
        expectedUnits: EXPECTED_SECONDS,
      });
      if (verdict) {
        log('call-back refused by the dial policy', { reason: verdict.reason });
        line.release();
        return { refused: verdict.kind === 'destination' ? 'not-allowed' : 'spend-limit' };
      }
      const config = resource.config as VoiceConfig;
      const subscriber = await d.directory.lookup(owner.subscriberId);
      placed = await calls.place(destination, {
        from: voiceCallerId(config, subscriber, d.domain),
        displayName: subscriber?.name ?? null,
        trunk: voiceTrunk(config, line.secret),
        ringTimeoutMs: Number(config.ringSeconds ?? VOICE_DEFAULTS.ringSeconds) * 1000,
        signal,
      });
    } catch (err) {
      line.release();
      log('call-back failed', { err: (err as Error).message, resource: resource.name });
      return { refused: 'failed' };
    }
    if ('failed' in placed) {
      line.release();
      await cdr(started, 'failed', 0, newId());
      log('call-back not answered', { status: placed.status, reason: placed.reason });
      return REFUSED_BY_FAILURE[placed.failed];
    }
    const call = placed;
    const limit = setTimeout(() => {
      log('call-back reached its length limit', { call: call.callId, seconds: d.maxSeconds });
      void call.hangUp();
    }, d.maxSeconds * 1000);
    return {
      call,
      finished: async () => {
        clearTimeout(limit);
        const end = await call.ended;
        line.release();
        const seconds = Math.max(1, Math.ceil((end.at - call.answeredAt) / 1000));
        await cdr(new Date(call.answeredAt), 'sent', seconds, call.callId);
        log('call-back finished', { call: call.callId, seconds, resource: resource.name });
      },
    };
  };
}
