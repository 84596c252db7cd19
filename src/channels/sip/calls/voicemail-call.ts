import { rm } from 'node:fs/promises';
import type { ClientTransactions } from '../client-transactions.js';
import { beep, type RtpSession } from '../media/rtp-session.js';
import { SilenceDetector } from '../media/silence.js';
import type { WavRecorder } from '../media/wav-file.js';
import type { CallerId } from './caller-identity.js';
import { Deposit, type DepositHooks } from './deposit.js';
import type { DepositState, Effect, Sound } from './deposit-flow.js';
import { hangUp, transfer, type Dialog } from './dialog.js';
import type { GreetingKind } from './forwarding.js';
import type { PromptId } from './prompts.js';

/** How long the caller's last audio is still taken after their BYE. */
const DRAIN_MS = 300;

/** Whose mailbox a call reaches, resolved from the number or SIP URI called. */
export interface Mailbox {
  subscriberId: string;
  address: string;
  language: string;
  /** Room left for a recording, in ms of 8 kHz audio; null when there is no quota. */
  roomMs: number | null;
}

/** What a stored voicemail carries into the mailbox. */
export interface Voicemail {
  from: string;
  to: string;
  file: string;
  durationMs: number;
  urgent: boolean;
  caller: CallerId;
}

/** What every call needs from the server: prompts, greetings, storage, SIP and limits. */
export interface CallServices {
  /** The subscriber's own greeting of this kind as 8 kHz samples, or null. */
  greeting(subscriberId: string, kind: GreetingKind): Promise<Int16Array | null>;
  /** A spoken prompt in the language, 8 kHz samples (made once, cached). */
  prompt(id: PromptId, language: string): Promise<Int16Array>;
  store(voicemail: Voicemail): Promise<void>;
  /** Where `*` and `0` leave to; null when that key is not offered. */
  exits: { star: string | null; zero: string | null };
  transactions: ClientTransactions;
  local(): { host: string; port: number };
  maxRecordingMs: number;
  minRecordingMs: number;
  /** Silence that ends a recording; 0 never does. */
  silenceMs: number;
  log(event: string, detail: object): void;
}

/**
 * One answered voicemail call: runs the deposit flow over its RTP session, keeps the caller's
 * audio while the flow records, and at the end hangs up (unless the caller did) and stores the
 * message or discards it.
 */
export class VoicemailCall implements DepositHooks {
  readonly deposit: Deposit;
  private recordingOn = false;
  private urgent = false;
  private stored = false;
  private handedOver = false;
  private readonly silence: SilenceDetector;

  constructor(
    readonly dialog: Dialog,
    readonly rtp: RtpSession,
    private readonly recorder: WavRecorder,
    private readonly mailbox: Mailbox,
    private readonly caller: CallerId,
    private readonly greetingKind: GreetingKind,
    private readonly services: CallServices,
    start: DepositState,
  ) {
    this.silence = new SilenceDetector(services.silenceMs);
    const room = mailbox.roomMs ?? Infinity;
    this.deposit = new Deposit(this, start, Math.min(services.maxRecordingMs, room));
  }

  digit(digit: string): void {
    this.deposit.digit(digit);
  }

  hangUp(): void {
    this.deposit.hangUp();
  }

  /**
   * A fax took the call (fax-detection.ts): the flow stops where it is, nothing is kept, and
   * the call stays up, its RTP session open, for the fax. False when the call is already ending.
   */
  handOver(): boolean {
    if (this.stored) return false;
    this.handedOver = true;
    this.recordingOn = false;
    this.deposit.hangUp();
    return true;
  }

  /** The caller's audio, from the RTP session. */
  audio(pcm: Int16Array): void {
    if (!this.recordingOn) return;
    this.recorder.write(pcm);
    if (this.silence.push(pcm)) {
      // The silence that ended the recording is not part of the message.
      this.recorder.truncateTo(this.recorder.durationMs - this.silence.quietMs);
      this.recordingOn = false;
      this.deposit.endRecording();
    }
  }

  async sound(sound: Sound): Promise<Int16Array> {
    const language = this.mailbox.language;
    switch (sound) {
      case 'greeting': {
        const own = this.mailbox.subscriberId
          ? await this.services
              .greeting(this.mailbox.subscriberId, this.greetingKind)
              .catch(() => null)
          : null;
        return own ?? this.services.prompt(this.greetingKind, language);
      }
      case 'beep':
        return beep();
      case 'recording':
        return await this.recorder.samples();
      default:
        return this.services.prompt(sound, language);
    }
  }

  play(pcm: Int16Array, signal: AbortSignal): Promise<void> {
    return this.rtp.play(pcm, signal);
  }

  recording(on: boolean): void {
    this.recordingOn = on;
    this.silence.reset();
  }

  recordedNothing(): boolean {
    return this.recorder.durationMs < this.services.minRecordingMs;
  }

  available(state: DepositState): boolean {
    if (state === 'exit-star') return this.services.exits.star !== null;
    if (state === 'exit-zero') return this.services.exits.zero !== null;
    return true;
  }

  entered(state: DepositState): void {
    this.services.log('voicemail call state', { call: this.dialog.callId, state });
  }

  async effect(effect: Effect): Promise<boolean> {
    switch (effect) {
      case 'discard-recording':
        this.recorder.truncateTo(0);
        return true;
      case 'mark-urgent':
        this.urgent = true;
        return true;
      case 'store':
        return this.store('saved');
      case 'transfer-star':
      case 'transfer-zero': {
        const destination =
          effect === 'transfer-star' ? this.services.exits.star : this.services.exits.zero;
        if (!destination) return false;
        const done = await transfer(
          this.dialog,
          this.services.transactions,
          this.services.local(),
          destination,
        );
        this.services.log(done ? 'voicemail caller transferred' : 'voicemail transfer refused', {
          call: this.dialog.callId,
          destination,
        });
        return done;
      }
    }
  }

  /**
   * Runs the call to its end once `confirmed` (the ACK: until then the caller's side may not be
   * listening, and the greeting's first seconds would be lost); resolves once the message is
   * stored or discarded. Never confirmed, the call is ended (RFC 3261 13.3.1.4).
   */
  async run(confirmed: Promise<boolean>): Promise<void> {
    if (!(await confirmed)) {
      await this.rtp.close();
      await hangUp(this.dialog, this.services.transactions, this.services.local());
      await this.discard('no ACK');
      return;
    }
    let outcome;
    try {
      outcome = await this.deposit.run();
    } catch (err) {
      this.services.log('voicemail call failed', {
        call: this.dialog.callId,
        err: (err as Error).message,
      });
      outcome = { last: this.deposit.current, callerHungUp: false, keep: true };
    }
    if (this.handedOver) return this.discard('fax detected');
    if (outcome.callerHungUp && outcome.last === 'recording') {
      // The BYE comes on the signalling socket and can overtake the caller's last packets of
      // audio still queued on the RTP socket: keep taking them for a moment.
      this.recordingOn = true;
      await new Promise((r) => setTimeout(r, DRAIN_MS));
      this.recordingOn = false;
    }
    await this.rtp.close();
    if (!outcome.callerHungUp)
      await hangUp(this.dialog, this.services.transactions, this.services.local());
    if (!this.stored) {
      if (outcome.keep) await this.store(outcome.callerHungUp ? 'caller-hung-up' : 'ended');
      else await this.discard(`ended in ${outcome.last}`);
    }
  }

  private detail(end: string) {
    return {
      call: this.dialog.callId,
      end,
      durationMs: this.recorder.durationMs,
      urgent: this.urgent,
      received: this.rtp.stats.received,
      lost: this.rtp.stats.lost,
      late: this.rtp.stats.late,
      reordered: this.rtp.stats.reordered,
      jitterMs: Math.round(this.rtp.stats.jitterMs * 10) / 10,
      peerLost: this.rtp.peerReport?.hearing?.cumulativeLost ?? null,
    };
  }

  private async discard(end: string): Promise<void> {
    this.stored = true;
    await this.recorder.finish().catch(() => undefined);
    await rm(this.recorder.path, { force: true });
    this.services.log('voicemail discarded', this.detail(end));
  }

  /** Commits the recording as a voice message; false when too short or not stored. */
  private async store(end: string): Promise<boolean> {
    if (this.stored) return true;
    this.stored = true;
    const detail = this.detail(end);
    if (this.recorder.durationMs < this.services.minRecordingMs) {
      await this.recorder.finish().catch(() => undefined);
      this.services.log('voicemail too short, discarded', detail);
      await rm(this.recorder.path, { force: true });
      return false;
    }
    try {
      await this.recorder.finish();
      await this.services.store({
        from: this.caller.address,
        to: this.mailbox.address,
        file: this.recorder.path,
        durationMs: this.recorder.durationMs,
        urgent: this.urgent,
        caller: this.caller,
      });
      await rm(this.recorder.path, { force: true });
      this.services.log('voicemail stored', detail);
      return true;
    } catch (err) {
      // The file stays in the recordings folder for the operator to recover.
      this.services.log('voicemail could not be stored', {
        ...detail,
        file: this.recorder.path,
        err: (err as Error).message,
      });
      return false;
    }
  }
}
