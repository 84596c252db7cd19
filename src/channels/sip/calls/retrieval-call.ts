import type { Message } from '../../../core/message.js';
import type { ClientTransactions } from '../client-transactions.js';
import { bridge } from '../media/bridge.js';
import { beep, type RtpSession } from '../media/rtp-session.js';
import { hangUp, type Dialog } from './dialog.js';
import type { PlacedCall } from './outbound-call.js';
import { MenuRunner, type MenuHooks } from './menu.js';
import type { PromptId } from './prompts.js';
import { RETRIEVAL_FLOW, type RetrievalEffect, type RetrievalState } from './retrieval-flow.js';
import { announce, counts, envelope } from './spoken-messages.js';

/** Whose mailbox a caller reached and how to speak to them. */
export interface MailboxOwner {
  subscriberId: string;
  language: string;
  timeZone: string;
}

/** Why a call-back was not placed, or not answered: each has its own words for the caller. */
export type CallBackRefusal =
  'no-number' | 'not-allowed' | 'spend-limit' | 'no-line' | 'busy' | 'no-answer' | 'failed';

/** A call-back placed and answered, for the caller to be joined to; or why there is none. */
export type CallBack =
  | { refused: CallBackRefusal }
  | {
      call: PlacedCall;
      /** Once the call has ended: gives its channel back and records its CDR. */
      finished(): Promise<void>;
    };

/** What calling in needs from the server: the directory, the mailbox, speech. */
export interface RetrievalServices {
  /** The subscriber whose mailbox number (their phone number's digits) this is. */
  mailboxByNumber(digits: string): Promise<MailboxOwner | null>;
  /** Checks a PIN, counting failures; a locked mailbox stays locked whatever the PIN. */
  checkPin(subscriberId: string, pin: string): Promise<'ok' | 'wrong' | 'locked'>;
  messages(subscriberId: string, folder: string): Promise<Message[]>;
  /** A message as 8 kHz samples: a recording as it is, text read aloud. */
  audio(owner: MailboxOwner, message: Message): Promise<Int16Array>;
  move(subscriberId: string, messageId: string, folder: string): Promise<void>;
  markRead(subscriberId: string, messageId: string): Promise<void>;
  trash(subscriberId: string, messageId: string): Promise<void>;
  /** Sends a message on to another subscriber, a recorded comment (8 kHz) in front if given. */
  forward(
    owner: MailboxOwner,
    message: Message,
    to: MailboxOwner,
    comment: Int16Array | null,
  ): Promise<void>;
  /** Sends a recorded reply (8 kHz) to the message's sender as a voice message. */
  reply(owner: MailboxOwner, message: Message, pcm: Int16Array): Promise<void>;
  /** Sends a fax on: to the subscriber's own email, or to a fax number (tel:+...). */
  sendFax(owner: MailboxOwner, message: Message, to: 'email' | string): Promise<void>;
  saveGreeting(
    owner: MailboxOwner,
    kind: 'unavailable' | 'busy' | 'name',
    pcm: Int16Array,
  ): Promise<void>;
  setPin(owner: MailboxOwner, pin: string): Promise<void>;
  /**
   * Calls the message's sender for the subscriber (3 then 2): the dial policy first, then a
   * voice resource's line. `signal` aborts the call while it rings (the subscriber hung up).
   */
  callBack(owner: MailboxOwner, message: Message, signal: AbortSignal): Promise<CallBack>;
  /** The message a notice code names, and whose mailbox it is in (null: none, or deleted). */
  messageByCode(code: string): Promise<{ owner: MailboxOwner; message: Message } | null>;
  prompt(id: PromptId, language: string): Promise<Int16Array>;
  /** Any text spoken in the language (counts, envelopes). */
  speak(text: string, language: string): Promise<Int16Array>;
  transactions: ClientTransactions;
  local(): { host: string; port: number };
  defaultLanguage: string;
  log(event: string, detail: object): void;
}

/** Logins one call may try before it is ended. */
const MAX_LOGINS = 3;
/** How far `*` and `#` move within a message, in samples (3 s, as Asterisk does). */
const SEEK = 3 * 8000;
/** The longest comment or greeting recorded in the menus: two minutes of 8 kHz samples. */
const MAX_RECORDING = 120 * 8000;
const FOLDERS = { inbox: 'inbox', saved: 'saved', archive: 'archive' } as const;

/**
 * One caller in their mailbox: runs RETRIEVAL_FLOW over the call's RTP session, keeping who is
 * logged in, the folder's messages and where in the current one playback is.
 */
export class RetrievalCall implements MenuHooks<RetrievalState, RetrievalEffect> {
  readonly menu: MenuRunner<RetrievalState, RetrievalEffect>;
  private owner: MailboxOwner | null;
  private typed = {
    mailbox: '',
    pin: '',
    forward: '',
    newPin: '',
    newPinAgain: '',
    fax: '',
    linkCode: '',
  };
  /** A call to the message link number: the message its code named, once looked up. */
  private linked: { owner: MailboxOwner; message: Message } | null = null;
  private forwardTo: MailboxOwner | null = null;
  private greetingKind: 'unavailable' | 'busy' | 'name' = 'unavailable';
  /** What the caller said in a recording state (a comment, a greeting), kept in memory. */
  private recorded: Int16Array[] = [];
  private recordedSamples = 0;
  private recordingOn = false;
  private logins = 0;
  private folder: string = FOLDERS.inbox;
  private list: Message[] = [];
  private index = -1;
  private position = 0;
  private loaded: { id: string; pcm: Int16Array } | null = null;
  private sounding = '';
  /** Ends the call-back under way (the caller pressed `*` or hung up). */
  private callBackEnd: AbortController | null = null;

  constructor(
    readonly dialog: Dialog,
    readonly rtp: RtpSession,
    owner: MailboxOwner | null,
    private readonly services: RetrievalServices,
    /** A call to the message link number, with the code dialled after it (or none yet). */
    link: { code: string | null } | null = null,
  ) {
    this.owner = owner;
    if (link?.code) this.typed.linkCode = link.code;
    const start = link ? (link.code ? 'link-open' : 'link-code') : owner ? 'intro' : 'ask-mailbox';
    this.menu = new MenuRunner(RETRIEVAL_FLOW, this, start);
  }

  private get language(): string {
    return this.owner?.language ?? this.services.defaultLanguage;
  }

  private get current(): Message | null {
    return this.list[this.index] ?? null;
  }

  digit(digit: string): void {
    // While the caller talks to the one called back, keys are not menu keys: `*` ends that call.
    if (this.callBackEnd) {
      if (digit === '*') this.callBackEnd.abort();
      return;
    }
    this.menu.digit(digit);
  }

  hangUp(): void {
    this.callBackEnd?.abort();
    this.menu.hangUp();
  }

  /** The caller's audio: kept while a comment or greeting is recorded, up to a limit. */
  audio(pcm: Int16Array): void {
    if (!this.recordingOn || this.recordedSamples >= MAX_RECORDING) return;
    this.recorded.push(pcm);
    this.recordedSamples += pcm.length;
  }

  recording(on: boolean): void {
    if (on) {
      this.recorded = [];
      this.recordedSamples = 0;
    }
    this.recordingOn = on;
  }

  private recordedAudio(): Int16Array {
    const out = new Int16Array(this.recordedSamples);
    let at = 0;
    for (const chunk of this.recorded) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  collected(state: RetrievalState, digits: string): void {
    if (state === 'ask-mailbox') this.typed.mailbox = digits;
    if (state === 'ask-pin' || state === 'link-pin') this.typed.pin = digits;
    if (state === 'link-code') this.typed.linkCode = digits;
    if (state === 'forward') this.typed.forward = digits;
    if (state === 'new-pin') this.typed.newPin = digits;
    if (state === 'new-pin-again') this.typed.newPinAgain = digits;
    if (state === 'fax-to-number') this.typed.fax = digits;
  }

  entered(state: RetrievalState): void {
    this.services.log('mailbox call state', { call: this.dialog.callId, state });
  }

  async sound(name: string): Promise<Int16Array> {
    this.sounding = name;
    const language = this.language;
    const message = this.current;
    switch (name) {
      case 'counts': {
        const list = this.list;
        const unread = list.filter((m) => !m.read).length;
        return this.services.speak(
          counts(this.folder, unread, list.length - unread, language),
          language,
        );
      }
      case 'announce':
        return message
          ? this.services.speak(announce(message, this.index, language), language)
          : new Int16Array(0);
      case 'beep':
        return beep();
      case 'recording':
        return this.recordedAudio();
      case 'envelope':
        return message && this.owner
          ? this.services.speak(envelope(message, this.owner.timeZone, language), language)
          : new Int16Array(0);
      case 'message': {
        if (!message || !this.owner) return new Int16Array(0);
        if (this.loaded?.id !== message.id)
          this.loaded = { id: message.id, pcm: await this.services.audio(this.owner, message) };
        if (!message.read) {
          await this.services.markRead(this.owner.subscriberId, message.id);
          message.read = true;
        }
        return this.loaded.pcm.subarray(Math.min(this.position, this.loaded.pcm.length));
      }
      default:
        return this.services.prompt(name as PromptId, language);
    }
  }

  async play(pcm: Int16Array, signal: AbortSignal): Promise<void> {
    const playing = this.sounding;
    const started = Date.now();
    await this.rtp.play(pcm, signal);
    if (playing !== 'message') return;
    // Where playback got to, for * and # (which cut it short) to move from.
    const heard = signal.aborted ? Math.min(pcm.length, (Date.now() - started) * 8) : pcm.length;
    this.position += heard;
  }

  async effect(effect: RetrievalEffect): Promise<RetrievalState | false | void> {
    const owner = this.owner;
    switch (effect) {
      case 'check-pin':
        return this.login();
      case 'count':
        this.list = owner ? await this.services.messages(owner.subscriberId, this.folder) : [];
        this.index = -1;
        return;
      case 'first':
        return this.goTo(0);
      case 'next':
        return this.goTo(this.index + 1);
      case 'previous':
        return this.index > 0 ? this.goTo(this.index - 1) : false;
      case 'restart':
        this.position = 0;
        return;
      case 'rewind':
        this.position = Math.max(0, this.position - SEEK);
        return;
      case 'skip':
        this.position += SEEK;
        return;
      case 'delete':
        return this.takeOut(() => this.services.trash(owner!.subscriberId, this.current!.id));
      case 'save-inbox':
      case 'save-saved':
      case 'save-archive': {
        const folder = FOLDERS[effect.slice(5) as keyof typeof FOLDERS];
        if (folder === this.folder) return;
        return this.takeOut(() =>
          this.services.move(owner!.subscriberId, this.current!.id, folder),
        );
      }
      case 'open-inbox':
      case 'open-saved':
      case 'open-archive':
        this.folder = FOLDERS[effect.slice(5) as keyof typeof FOLDERS];
        return;
      case 'forward-target':
        this.forwardTo = await this.services.mailboxByNumber(this.typed.forward);
        return this.forwardTo && this.current ? undefined : false;
      case 'forward':
      case 'forward-comment': {
        if (!owner || !this.current || !this.forwardTo) return false;
        const comment = effect === 'forward-comment' ? this.recordedAudio() : null;
        await this.services.forward(owner, this.current, this.forwardTo, comment);
        this.services.log('message forwarded by phone', {
          call: this.dialog.callId,
          message: this.current.id,
          to: this.forwardTo.subscriberId,
          comment: comment !== null,
        });
        return;
      }
      case 'greeting-unavailable':
      case 'greeting-busy':
      case 'greeting-name':
        this.greetingKind = effect.slice(9) as 'unavailable' | 'busy' | 'name';
        return;
      case 'save-greeting': {
        const pcm = this.recordedAudio();
        // Under half a second is a slip of the finger, not a greeting.
        if (!owner || pcm.length < 4000) return false;
        await this.services.saveGreeting(owner, this.greetingKind, pcm);
        this.services.log('greeting recorded by phone', {
          call: this.dialog.callId,
          kind: this.greetingKind,
          durationMs: pcm.length / 8,
        });
        return;
      }
      case 'reply': {
        const pcm = this.recordedAudio();
        if (!owner || !this.current || pcm.length < 4000) return false;
        await this.services.reply(owner, this.current, pcm);
        this.services.log('reply sent by phone', {
          call: this.dialog.callId,
          message: this.current.id,
          to: this.current.from,
        });
        return;
      }
      case 'fax-to-email':
      case 'fax-to-number': {
        const message = this.current;
        if (!owner || message?.type !== 'fax') return false;
        const to = effect === 'fax-to-email' ? 'email' : `tel:+${this.typed.fax}`;
        if (to !== 'email' && !/^tel:\+[0-9]{6,15}$/.test(to)) return false;
        await this.services.sendFax(owner, message, to);
        this.services.log('fax sent on by phone', {
          call: this.dialog.callId,
          message: message.id,
          to,
        });
        return;
      }
      case 'call-back':
        return this.callBack();
      case 'open-link':
        return this.openLink();
      case 'check-link-pin':
        return this.checkLinkPin();
      case 'set-pin': {
        const pin = this.typed.newPin;
        if (!owner || pin !== this.typed.newPinAgain || !/^[0-9]{4,12}$/.test(pin)) return false;
        await this.services.setPin(owner, pin);
        this.services.log('PIN changed by phone', { call: this.dialog.callId });
        return;
      }
    }
  }

  /**
   * 3 then 2: calls the sender and joins the two calls until either hangs up or the caller
   * presses `*`; then the caller is back on the message. A call that cannot be placed, or is
   * not answered, is said why.
   */
  private async callBack(): Promise<RetrievalState | void> {
    const owner = this.owner;
    const message = this.current;
    if (!owner || !message) return 'call-back-failed';
    const end = new AbortController();
    this.callBackEnd = end;
    try {
      const placed = await this.services.callBack(owner, message, end.signal);
      if ('refused' in placed) {
        this.services.log('call-back not placed', {
          call: this.dialog.callId,
          message: message.id,
          why: placed.refused,
        });
        return `call-back-${placed.refused}`;
      }
      try {
        await this.talk(placed.call, end.signal);
      } finally {
        await placed.finished();
      }
    } finally {
      this.callBackEnd = null;
    }
  }

  /** The caller and the one called back hear each other until one of them ends it. */
  private async talk(call: PlacedCall, caller: AbortSignal): Promise<void> {
    const unbridge = bridge(this.rtp, call.rtp);
    this.services.log('call-back connected', { call: this.dialog.callId, to: call.callId });
    const callerLeft = new Promise<void>((resolve) => {
      if (caller.aborted) resolve();
      caller.addEventListener('abort', () => resolve(), { once: true });
    });
    const remote = await Promise.race([call.ended.then(() => true), callerLeft.then(() => false)]);
    unbridge();
    if (!remote) await call.hangUp();
    this.services.log('call-back ended', {
      call: this.dialog.callId,
      to: call.callId,
      by: remote ? 'called party' : 'caller',
    });
  }

  private goTo(index: number): false | void {
    if (index < 0 || index >= this.list.length) return false;
    this.index = index;
    this.position = 0;
  }

  /** Deletes or moves the current message; the next one is then the one after it. */
  private async takeOut(work: () => Promise<void>): Promise<false | void> {
    if (!this.current || !this.owner) return false;
    await work();
    this.list.splice(this.index, 1);
    this.index -= 1;
    this.loaded = null;
  }

  /**
   * A call to the message link number: the code's message plays at once when the caller is
   * that mailbox's owner (their own phone, a trusted number); anyone else gives its PIN first.
   */
  private async openLink(): Promise<RetrievalState> {
    const found = /^[0-9]{6}$/.test(this.typed.linkCode)
      ? await this.services.messageByCode(this.typed.linkCode)
      : null;
    this.services.log('message link called', {
      call: this.dialog.callId,
      message: found?.message.id ?? null,
      caller: this.owner?.subscriberId ?? null,
    });
    if (!found) return 'link-unknown';
    this.linked = found;
    if (this.owner?.subscriberId === found.owner.subscriberId) return this.playLinked();
    this.owner = null;
    return 'link-pin';
  }

  private async checkLinkPin(): Promise<RetrievalState> {
    const linked = this.linked!;
    const verdict = await this.services.checkPin(linked.owner.subscriberId, this.typed.pin);
    this.services.log('mailbox login', {
      call: this.dialog.callId,
      mailbox: linked.owner.subscriberId,
      result: verdict,
      via: 'message link',
    });
    if (verdict === 'locked') return 'locked';
    if (verdict === 'ok') return this.playLinked();
    this.logins += 1;
    return this.logins >= MAX_LOGINS ? 'too-many-attempts' : 'link-pin-incorrect';
  }

  /** The linked message becomes the one on hand; the menus work on it as on any other. */
  private playLinked(): RetrievalState {
    const linked = this.linked!;
    this.owner = linked.owner;
    this.list = [linked.message];
    this.index = 0;
    this.position = 0;
    return 'play';
  }

  private async login(): Promise<RetrievalState> {
    const owner = await this.services.mailboxByNumber(this.typed.mailbox);
    // An unknown mailbox is answered like a wrong PIN: callers learn nothing about which exist.
    const verdict = owner
      ? await this.services.checkPin(owner.subscriberId, this.typed.pin)
      : 'wrong';
    this.services.log('mailbox login', {
      call: this.dialog.callId,
      mailbox: owner?.subscriberId ?? null,
      result: verdict,
    });
    if (verdict === 'locked') return 'locked';
    if (verdict === 'ok') {
      this.owner = owner;
      return 'intro';
    }
    this.logins += 1;
    return this.logins >= MAX_LOGINS ? 'too-many-attempts' : 'login-incorrect';
  }

  /** Runs the call to its end once confirmed (the ACK), then hangs up unless the caller did. */
  async run(confirmed: Promise<boolean>): Promise<void> {
    const ok = await confirmed;
    let callerHungUp = false;
    if (ok) {
      try {
        callerHungUp = (await this.menu.run()).callerHungUp;
      } catch (err) {
        this.services.log('mailbox call failed', {
          call: this.dialog.callId,
          err: (err as Error).message,
        });
      }
    }
    await this.rtp.close();
    if (!callerHungUp) await hangUp(this.dialog, this.services.transactions, this.services.local());
  }
}
