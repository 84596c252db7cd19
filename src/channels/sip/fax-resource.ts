import type { OutboundResource, SendOutcome, SendRequest } from '../../core/delivery.js';
import type { FaxEngine, FaxOutcome, FaxProgress, T38FaxEngine } from '../../core/fax.js';
import type { DialRequest } from '../../router/dial-policy.js';
import { rateFor } from '../../router/rates.js';
import type { OutboundCalls, PlacedCall } from './calls/outbound-call.js';
import type { T38Offer } from './protocol/sdp-t38.js';
import { UdptlSession } from './media/udptl-session.js';
import {
  callOutcome,
  voiceCallerId,
  voiceConfigProblem,
  voiceTrunk,
  VOICE_DEFAULTS,
  type VoiceConfig,
} from './voice-resource.js';

/** A fax resource's `config`: a voice resource's (trunk, user, ring time, caller id) and our station id. */
export interface FaxConfig extends VoiceConfig {
  /** Our station id (TSI) on faxes sent: up to 20 digits, + and spaces; default the caller id's number. */
  ident?: string;
  /** Offer T.38 ourselves once answered (re-INVITE); a 488 keeps the fax on G.711. */
  t38?: boolean;
}

/** What a resource config says wrong, for the API to refuse it with (null when it is usable). */
export function faxConfigProblem(config: Record<string, unknown> | undefined): string | null {
  const ident = config?.['ident'];
  if (ident !== undefined && (typeof ident !== 'string' || !/^[0-9+ ]{0,20}$/.test(ident)))
    return 'config.ident is a station id: up to 20 digits, + and spaces';
  if (config?.['t38'] !== undefined && typeof config['t38'] !== 'boolean')
    return 'config.t38 is true or false';
  return voiceConfigProblem(config)?.replace('a voice resource’s', 'a fax resource’s') ?? null;
}

/** A document as the fax machine gets it. */
export interface FaxDocument {
  /** A TIFF F file (G3, 1728 pixels wide), cover page first. */
  file: string;
  pages: number;
  /** Removes the file. */
  dispose(): Promise<void>;
}

export interface FaxResourceDeps {
  /** The SIP side's calls out; null while it is not up yet. */
  calls(): Pick<OutboundCalls, 'place'> | null;
  policy: { refusal(call: DialRequest): Promise<string | null> };
  engine: FaxEngine;
  /** When the receiving machine re-INVITEs to T.38, the fax moves to it; absent, it is refused. */
  t38?: T38FaxEngine;
  /**
   * The message as fax pages with a cover page in front (to, from, subject, page count), in the
   * sender's language; an error for a message with nothing to fax.
   */
  document(request: SendRequest): Promise<FaxDocument | { error: string }>;
  sender(subscriberId: string): Promise<{ addresses: string[] } | null>;
  /** Our SIP domain, for the From of calls. */
  domain: string;
  log(event: string, detail: object): void;
}

/** A page takes about this long at 9600 bit/s, for the spend checks before dialling. */
const SECONDS_PER_PAGE = 30;

/**
 * The outbound fax resource (seed 001): delivers a message as a fax. The document gets a cover
 * page and becomes fax pages; the call passes the dial policy, goes out through the resource's
 * trunk like a voice resource's, and once answered the fax engine sends the pages with error
 * correction (T.30 over G.711, or T.38 when the receiving side re-INVITEs to it before the
 * first page). Busy and no answer are tried again later, and so is a fax that
 * did not go through whole (every page is sent again); the CDR counts the pages the receiving
 * machine confirmed, and the receipt says how many, to which station, on how long a call.
 */
export class FaxResource implements OutboundResource {
  readonly type = 'fax';

  constructor(private readonly deps: FaxResourceDeps) {}

  async send(request: SendRequest): Promise<SendOutcome> {
    const { delivery, resource } = request;
    const destination = delivery.recipient;
    const config = resource.config as FaxConfig;
    if (!/^(tel|sip):/i.test(destination))
      return { result: 'failed', error: `${destination} cannot be faxed (tel: or sip: only)` };
    const calls = this.deps.calls();
    if (!calls) return { result: 'retry', error: 'the SIP side is not running yet' };
    const document = await this.deps.document(request);
    if ('error' in document) return { result: 'failed', error: document.error, remote: true };
    try {
      const refusal = await this.deps.policy.refusal({
        destination,
        subscriberId: delivery.kind === 'message' ? delivery.subscriberId : null,
        rate: rateFor(resource.rates, destination),
        currency: resource.currency,
        // A fax is billed by the page.
        expectedUnits: document.pages,
      });
      if (refusal) {
        this.deps.log('call refused by the dial policy', {
          delivery: delivery.id,
          destination,
          reason: refusal,
        });
        return { result: 'failed', error: refusal, remote: true };
      }
      const sender = delivery.subscriberId
        ? await this.deps.sender(delivery.subscriberId).catch(() => null)
        : null;
      const from = voiceCallerId(config, sender, this.deps.domain);
      const ringSeconds = Number(config.ringSeconds ?? VOICE_DEFAULTS.ringSeconds);
      const trunk = voiceTrunk(config, request.secret);
      let session: ReturnType<FaxEngine['send']> | null = null;
      const early: Int16Array[] = [];
      let placed;
      try {
        placed = await calls.place(destination, {
          from,
          trunk,
          ringTimeoutMs: ringSeconds * 1000,
          events: {
            audio: (pcm) => (session ? session.hear(pcm) : early.length < 50 && early.push(pcm)),
          },
        });
      } catch (err) {
        return { result: 'failed', error: `${destination}: ${(err as Error).message}` };
      }
      if ('failed' in placed) return callOutcome(destination, placed, trunk !== null);
      const call = placed;
      const ident = config.ident ?? /^sips?:(\+?[0-9]{1,20})@/.exec(from)?.[1] ?? '';
      let pagesSent = 0;
      const page = (p: FaxProgress, t38: boolean) => {
        pagesSent = p.pages;
        this.deps.log('fax page sent', {
          call: call.callId,
          delivery: delivery.id,
          pages: p.pages,
          remoteId: p.remoteId,
          bitRate: p.bitRate,
          ecm: p.ecm,
          t38,
        });
      };
      const started = this.deps.engine.send(document.file, {
        ident,
        send: (pcm) => call.rtp.send(pcm),
        page: (p) => page(p, false),
      });
      session = started;
      let running: { stop(): void; readonly done: Promise<FaxOutcome> } = started;
      let finished = false;
      const t38Engine = this.deps.t38;
      // The receiving machine (or its gateway) asks for T.38: before the first page, the fax
      // starts over on it; the audio session stops.
      const toT38 = (offer: T38Offer): boolean => {
        if (!t38Engine || finished || pagesSent > 0 || running !== started) return false;
        const udptl = new UdptlSession(call.rtp, offer);
        const t38 = t38Engine.sendT38(document.file, {
          ident,
          sendIfp: (ifp) => udptl.send(ifp),
          page: (p) => page(p, true),
        });
        udptl.listen((seq, ifp) => t38.ifp(seq, ifp));
        session = null;
        running = t38;
        started.stop();
        return true;
      };
      // The receiving machine (or its gateway) asks for T.38: before the first page, the fax
      // starts over on it; the audio session stops.
      if (t38Engine) call.acceptT38(toT38);
      // Or we ask, when the resource says so; meanwhile the audio session runs (CNG), and it
      // carries on when the far end refuses.
      if (t38Engine && config.t38 === true)
        void call.offerT38().then((answer) => {
          if ('accepted' in answer) toT38(answer.accepted);
          else
            this.deps.log('fax T.38 not taken', {
              call: call.callId,
              status: answer.refused,
              reason: answer.reason,
            });
        });
      for (const pcm of early) started.hear(pcm);
      void call.ended.then(() => running.stop());
      const limit = setTimeout(
        () => running.stop(),
        (SECONDS_PER_PAGE * 4 * document.pages + 120) * 1000,
      );
      let outcome: FaxOutcome;
      for (;;) {
        const current = running;
        outcome = await current.done;
        if (current === running) break;
      }
      finished = true;
      clearTimeout(limit);
      await call.hangUp();
      return this.outcome(call, outcome, document.pages, destination, delivery.id);
    } finally {
      await document.dispose();
    }
  }

  private async outcome(
    call: PlacedCall,
    fax: FaxOutcome,
    pages: number,
    destination: string,
    delivery: string,
  ): Promise<SendOutcome> {
    const end = await call.ended;
    const seconds = Math.max(1, Math.ceil((end.at - call.answeredAt) / 1000));
    const station = fax.remoteId ? ` (station ${fax.remoteId})` : '';
    this.deps.log(fax.ok ? 'fax sent' : 'fax not sent whole', {
      call: call.callId,
      delivery,
      destination,
      pages: fax.pages,
      of: pages,
      remoteId: fax.remoteId,
      status: fax.status,
      engineFailed: fax.engineFailed,
      seconds,
      bitRate: fax.bitRate,
      ecm: fax.ecm,
    });
    if (fax.ok && fax.pages === pages)
      return {
        result: 'sent',
        units: pages,
        unit: 'page',
        remoteId: fax.remoteId,
        seconds,
        detail: `${pages} pages to ${destination}${station} on a ${seconds} s call`,
      };
    // The engine's own failure is the resource's trouble; the far machine's is the destination's.
    return {
      result: 'retry',
      error: `${destination}${station}: ${fax.pages} of ${pages} pages went through (${fax.status})`,
      remote: !fax.engineFailed,
    };
  }
}
