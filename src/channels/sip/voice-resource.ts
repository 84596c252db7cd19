import type { OutboundResource, SendOutcome, SendRequest } from '../../core/delivery.js';
import type { Message } from '../../core/message.js';
import type { DialRequest } from '../../router/dial-policy.js';
import { rateFor } from '../../router/rates.js';
import type { CallFailure, OutboundCalls, PlacedCall, Trunk } from './calls/outbound-call.js';
import { callTarget } from './calls/call-target.js';
import { wavSamples } from './media/wav-file.js';
import { parseUri } from './protocol/uri.js';

/** The resource's `config`, as operators write it (`resources add --type voice ...`). */
export interface VoiceConfig {
  /** sip:host[:port] of the SIP trunk calls go through; without one, sip: URIs are called directly. */
  trunk?: string;
  /** The trunk's user name for digest authentication (the password is the resource secret). */
  user?: string;
  username?: string;
  /** How long a call may ring before it counts as not answered. */
  ringSeconds?: number;
  /** The caller id presented: a number (+4930...) or a sip: URI; default the sender's number. */
  callerId?: string;
}

export const VOICE_DEFAULTS = { ringSeconds: 30 };

/** Who sent a message, as the introduction names them. */
export interface Sender {
  name: string;
  language: string;
  timeZone: string;
  addresses: string[];
}

export interface VoiceResourceDeps {
  /** The SIP side's calls out; null while it is not up yet. */
  calls(): Pick<OutboundCalls, 'place'> | null;
  /** The dial policy every call passes first. */
  policy: { refusal(call: DialRequest): Promise<string | null> };
  sender(subscriberId: string): Promise<Sender | null>;
  /** Text-to-speech in the language, as 8 kHz samples. */
  speak(text: string, language: string): Promise<Int16Array>;
  /** Our SIP domain, for the From of calls. */
  domain: string;
  log(event: string, detail: object): void;
}

/** Quiet before the introduction: answering phones and machines open their audio a moment late. */
const LEAD_IN_MS = 500;
const GAP_MS = 400;
/** Longest text read aloud; the rest is left out (and said to be). */
const MAX_SPOKEN_CHARS = 3000;
/** Speech runs at about this many characters a second, for the expected length of a call. */
const CHARS_PER_SECOND = 13;
/** The introduction and goodbye, in seconds, for the expected length of a call. */
const FRAME_SECONDS = 10;

/** What a resource config says wrong, for the API to refuse it with (null when it is usable). */
export function voiceConfigProblem(config: Record<string, unknown> | undefined): string | null {
  const c = (config ?? {}) as Record<string, unknown>;
  if (c.trunk !== undefined) {
    if (typeof c.trunk !== 'string') return 'a voice resource’s config.trunk is a sip: URI';
    try {
      if (parseUri(c.trunk).scheme !== 'sip') throw new Error('not sip:');
      callTarget('sip:check@example.invalid', c.trunk);
    } catch (err) {
      return `config.trunk ${c.trunk}: ${(err as Error).message}; use sip:host[:port]`;
    }
  }
  for (const key of ['user', 'username', 'callerId'] as const)
    if (c[key] !== undefined && typeof c[key] !== 'string')
      return `a voice resource’s config.${key} is a string`;
  if (
    c.ringSeconds !== undefined &&
    (!Number.isInteger(c.ringSeconds) ||
      (c.ringSeconds as number) < 5 ||
      (c.ringSeconds as number) > 300)
  )
    return 'config.ringSeconds is a whole number of seconds from 5 to 300';
  return null;
}

/** What is said, per language (primary subtag; English when we have none). */
const WORDS: Record<
  string,
  {
    locale: string;
    intro(what: 'voice' | 'text', from: string, when: string): string;
    subject(s: string): string;
    cut: string;
    end: string;
  }
> = {
  en: {
    locale: 'en-GB',
    intro: (what, from, when) =>
      `This is Switchboard with a ${what === 'voice' ? 'voice message' : 'message'} from ${from}, left on ${when}.`,
    subject: (s) => `Subject: ${s}.`,
    cut: 'The rest of this message is too long to read out.',
    end: 'End of message. Goodbye.',
  },
  de: {
    locale: 'de-DE',
    intro: (what, from, when) =>
      `Hier ist Switchboard mit einer ${what === 'voice' ? 'Sprachnachricht' : 'Nachricht'} von ${from}, hinterlassen am ${when}.`,
    subject: (s) => `Betreff: ${s}.`,
    cut: 'Der Rest dieser Nachricht ist zu lang zum Vorlesen.',
    end: 'Ende der Nachricht. Auf Wiederhören.',
  },
};
const wordsFor = (language: string) => WORDS[language.toLowerCase().split('-')[0]!] ?? WORDS.en!;

/** An address as it is read out: a number digit by digit, a SIP or mail address without its scheme. */
function spokenAddress(uri: string): string {
  const bare = uri.replace(/^(tel|mailto|sips?|ivm):/, '');
  return /^\+?[0-9]+$/.test(bare)
    ? bare.replace(/\+/, 'plus ').split('').join(' ').replace(/\s+/g, ' ')
    : bare;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * The outbound voice resource (seed 001): delivers a message by calling the recipient. Each
 * call passes the dial policy first (a refusal fails the delivery at once and costs nothing),
 * goes out straight to a sip: URI or through the resource's trunk (tel: numbers always do),
 * and, once answered, plays a spoken introduction ("a voice message from Ann, left on ...") in
 * the sender's language, the message (a recording as it is, text read aloud) and a goodbye, then
 * hangs up. Busy, no answer and an unreachable trunk are tried again later; a refusal (403, 404,
 * 484, ...) fails the delivery. The CDR counts the call's seconds.
 */
export class VoiceResource implements OutboundResource {
  readonly type = 'voice';

  constructor(private readonly deps: VoiceResourceDeps) {}

  async send(request: SendRequest): Promise<SendOutcome> {
    const { delivery, message, resource } = request;
    const destination = delivery.recipient;
    const config = resource.config as VoiceConfig;
    if (!/^(tel|sip):/i.test(destination))
      return { result: 'failed', error: `${destination} cannot be called (tel: or sip: only)` };
    const calls = this.deps.calls();
    if (!calls) return { result: 'retry', error: 'the SIP side is not running yet' };

    const payload = delivery.kind === 'notification' ? (delivery.payload ?? {}) : null;
    // "Call me and play it" (an SMS reply of 1): the message itself, to its own recipient.
    const playback = payload?.notice === 'play-message';
    const notice = playback ? null : payload;
    const sender = delivery.subscriberId
      ? await this.deps.sender(delivery.subscriberId).catch(() => null)
      : null;
    const language =
      (typeof payload?.language === 'string' ? payload.language : null) ?? sender?.language ?? 'en';
    const refusal = await this.deps.policy.refusal({
      destination,
      // The sender pays for a message; the subscriber for a playback they asked for.
      subscriberId: delivery.kind === 'message' || playback ? delivery.subscriberId : null,
      rate: rateFor(resource.rates, destination),
      currency: resource.currency,
      expectedUnits: expectedSeconds(message, notice),
    });
    if (refusal) {
      this.deps.log('call refused by the dial policy', {
        delivery: delivery.id,
        destination,
        reason: refusal,
      });
      // Not the resource's fault: it must not count towards taking the resource out of service.
      return { result: 'failed', error: refusal, remote: true };
    }

    // Everything said is made before dialling: whoever answers should not wait in silence.
    const spoken = await this.script(request, notice, playback ? null : sender, language);
    if ('error' in spoken) return { result: 'failed', error: spoken.error, remote: true };

    const ringSeconds = Number(config.ringSeconds ?? VOICE_DEFAULTS.ringSeconds);
    const trunk = voiceTrunk(config, request.secret);
    let placed: PlacedCall | CallFailure;
    try {
      placed = await calls.place(destination, {
        from: voiceCallerId(config, playback ? null : sender, this.deps.domain),
        displayName: playback ? 'Switchboard' : (sender?.name ?? null),
        trunk,
        ringTimeoutMs: ringSeconds * 1000,
      });
    } catch (err) {
      // The destination cannot be addressed with this resource (a number and no trunk, TCP).
      return { result: 'failed', error: `${destination}: ${(err as Error).message}` };
    }
    if ('failed' in placed) return callOutcome(destination, placed, trunk !== null);
    return this.deliver(placed, spoken.parts, destination);
  }

  /** Plays the parts in turn, hangs up, and reports the call's length and how it went. */
  private async deliver(
    call: PlacedCall,
    parts: Int16Array[],
    destination: string,
  ): Promise<SendOutcome> {
    let played = 0;
    try {
      await sleep(LEAD_IN_MS, call.signal);
      for (const part of parts) {
        if (call.signal.aborted) break;
        await call.rtp.play(part, call.signal);
        if (!call.signal.aborted) played++;
        await sleep(GAP_MS, call.signal);
      }
    } finally {
      await call.hangUp();
    }
    const end = await call.ended;
    const seconds = Math.max(1, Math.ceil((end.at - call.answeredAt) / 1000));
    const whole = played === parts.length;
    const detail =
      `${destination} answered after ${(call.ringMs / 1000).toFixed(1)} s; a ${seconds} s call; ` +
      (whole
        ? 'the message was played to the end'
        : `the called party hung up after ${Math.round((end.at - call.answeredAt) / 1000)} s, before the message ended`);
    this.deps.log('voice message delivered by a call', {
      call: call.callId,
      destination,
      seconds,
      whole,
    });
    return { result: 'sent', units: seconds, unit: 'second', detail };
  }

  /**
   * What the call says: the introduction, the message itself, the goodbye. A notification is
   * its text; a voice message its recording; a text message its subject and text read aloud.
   */
  private async script(
    request: SendRequest,
    notice: Record<string, unknown> | null,
    sender: Sender | null,
    language: string,
  ): Promise<{ parts: Int16Array[] } | { error: string }> {
    const words = wordsFor(language);
    const speak = (text: string) => this.deps.speak(text, language);
    if (notice) {
      const text = typeof notice.text === 'string' ? notice.text : null;
      if (!text) return { error: 'the notification has no text to read out' };
      return { parts: [await speak(text), await speak(words.end)] };
    }
    const { message } = request;
    const originals = message.parts.filter((p) => p.derivedFrom === null);
    const audio = originals.find((p) => p.contentType.startsWith('audio/'));
    const text = originals.find(
      (p) => p.contentType.startsWith('text/plain') && p.disposition !== 'attachment',
    );
    const from = sender?.name || spokenAddress(message.from);
    const when = this.spokenTime(message.createdAt, words.locale, sender?.timeZone ?? 'UTC');
    if (audio) {
      const recording = wavSamples(await request.rendition(audio.index, 'audio/wav;rate=8000'));
      return {
        parts: [await speak(words.intro('voice', from, when)), recording, await speak(words.end)],
      };
    }
    if (text) {
      let body = (await request.part(text.index)).toString('utf8').replace(/\s+/g, ' ').trim();
      const cut = body.length > MAX_SPOKEN_CHARS;
      if (cut) body = body.slice(0, MAX_SPOKEN_CHARS);
      const said = [
        ...(message.subject ? [words.subject(message.subject)] : []),
        body,
        ...(cut ? [words.cut] : []),
      ].join(' ');
      return {
        parts: [
          await speak(words.intro('text', from, when)),
          await speak(said),
          await speak(words.end),
        ],
      };
    }
    return { error: `a ${message.type} message cannot be played on a call` };
  }

  private spokenTime(iso: string, locale: string, timeZone: string): string {
    try {
      return new Intl.DateTimeFormat(locale, {
        dateStyle: 'full',
        timeStyle: 'short',
        timeZone,
      }).format(new Date(iso));
    } catch {
      return new Intl.DateTimeFormat(locale, {
        dateStyle: 'full',
        timeStyle: 'short',
        timeZone: 'UTC',
      }).format(new Date(iso));
    }
  }
}

/** The trunk a voice resource's calls go through (null: sip: URIs are called directly). */
export function voiceTrunk(config: VoiceConfig, secret: string | null): Trunk | null {
  return config.trunk
    ? { uri: config.trunk, username: config.user ?? config.username ?? null, secret }
    : null;
}

/**
 * The From of a call a voice resource places: the configured caller id, else the caller's own
 * number (the sender of a message, the subscriber asking for a call-back), else ours.
 */
export function voiceCallerId(
  config: VoiceConfig,
  caller: { addresses: string[] } | null,
  domain: string,
): string {
  const asSip = (id: string) => {
    const number = /^(?:tel:)?(\+?[0-9]+)$/.exec(id.trim())?.[1];
    return number ? `sip:${number}@${domain}` : id.trim();
  };
  if (config.callerId) return asSip(config.callerId);
  const tel = caller?.addresses.find((a) => a.startsWith('tel:'));
  return tel ? asSip(tel) : `sip:switchboard@${domain}`;
}

/** How long the call is expected to take, for the spend checks before it is placed. */
function expectedSeconds(message: Message, notice: Record<string, unknown> | null): number {
  if (notice) return FRAME_SECONDS + String(notice.text ?? '').length / CHARS_PER_SECOND;
  if (message.durationMs) return FRAME_SECONDS + message.durationMs / 1000;
  return FRAME_SECONDS + Math.min(message.size, MAX_SPOKEN_CHARS) / CHARS_PER_SECOND;
}

/**
 * An unanswered call as a delivery outcome: busy and no answer are tried again (the far end's
 * matter, not the resource's); a trunk that does not answer or is in trouble (5xx) is tried
 * again and counts against the resource; a refusal fails the delivery.
 */
export function callOutcome(
  destination: string,
  failure: CallFailure,
  viaTrunk: boolean,
): SendOutcome {
  const error = `${destination}: ${failure.reason}`;
  switch (failure.failed) {
    case 'busy':
    case 'no-answer':
      return { result: 'retry', error, remote: true };
    case 'unreachable':
      return { result: 'retry', error, remote: !viaTrunk };
    case 'refused':
      if (failure.status >= 500) return { result: 'retry', error, remote: !viaTrunk };
      if (failure.status === 401 || failure.status === 407) return { result: 'failed', error };
      return { result: 'failed', error, remote: true };
  }
}
