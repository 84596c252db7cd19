import { rm } from 'node:fs/promises';
import type { FaxEngine, FaxOutcome, FaxSession, T38FaxEngine } from '../../../core/fax.js';
import type { ClientTransactions } from '../client-transactions.js';
import type { RtpSession } from '../media/rtp-session.js';
import { UdptlSession } from '../media/udptl-session.js';
import type { T38Offer } from '../protocol/sdp-t38.js';
import type { CallerId } from './caller-identity.js';
import { hangUp, type Dialog } from './dialog.js';

/**
 * A T.38 stream is judged over windows this long: when in two windows running at least
 * GARBLED_MIN datagrams, and over GARBLED_SHARE of them, were unusable (not UDPTL, or numbered
 * out of all sequence), the stream is garbled and the fax ends there, keeping the whole pages.
 * spandsp alone would wait as long as packets keep coming.
 */
const GARBLE_WINDOW_MS = 5000;
const GARBLED_MIN = 20;
const GARBLED_SHARE = 0.5;

/** What a received fax carries into the mailbox. */
export interface ReceivedFax {
  from: string;
  to: string;
  /** A multi-page TIFF F (G3) holding the whole pages that arrived. */
  file: string;
  pages: number;
  /** The sending machine's station id (TSI), '' when it sent none. */
  remoteId: string;
  /** From the answer to the end of the call. */
  durationMs: number;
  /** Every page arrived and was confirmed (T.30 ended with OK). */
  complete: boolean;
  /** How it ended, in words ("OK", "Unexpected DCN while waiting for image data", ...). */
  status: string;
  caller: CallerId;
}

/** What a fax reception needs from the server. */
export interface FaxServices {
  engine: FaxEngine;
  /** T.38 offers are taken with it (a re-INVITE); absent, they are refused (488). */
  t38?: T38FaxEngine;
  storeFax(fax: ReceivedFax): Promise<void>;
  /** The longest a fax call may last. */
  maxFaxMs: number;
  transactions: ClientTransactions;
  local(): { host: string; port: number };
  log(event: string, detail: object): void;
}

/**
 * An answered call taken over by a fax (its CNG was heard): the call's audio both ways goes to
 * the fax engine receiving into `file`; when the fax ends (or the caller hangs up, or the engine
 * fails), we hang up and store the whole pages that arrived as a fax message. A T.38 offer
 * (re-INVITE) before the first page moves it to the T.38 engine over UDPTL on the same port;
 * the audio session, if one ran, is stopped and its file dropped.
 */
export class FaxReception {
  private callerHungUp = false;
  private session: { stop(): void; readonly done: Promise<FaxOutcome> } | null = null;
  private audioSession: FaxSession | null = null;
  private udptl: UdptlSession | null = null;
  private pages = 0;
  private finished = false;
  /** Why the T.38 stream was given up as garbled, once it was. */
  private garbled: string | null = null;
  private stopWatching: () => void = () => undefined;

  constructor(
    private readonly dialog: Dialog,
    private readonly rtp: RtpSession,
    private readonly file: string,
    private readonly ident: string,
    private readonly mailbox: { address: string },
    private readonly caller: CallerId,
    /** When the call was answered (Date.now()), for the fax's duration. */
    private readonly answeredAt: number,
    private readonly services: FaxServices,
  ) {}

  /** The caller's audio, from the RTP session. */
  audio(pcm: Int16Array): void {
    this.audioSession?.hear(pcm);
  }

  /**
   * The caller offers T.38: true when the fax moves to it (the caller then gets our T.38
   * answer). Not once a page has come over audio (it would be lost), nor after the end.
   */
  t38(offer: T38Offer): boolean {
    if (!this.services.t38 || this.udptl || this.callerHungUp || this.finished || this.pages > 0)
      return false;
    this.udptl = new UdptlSession(this.rtp, { address: offer.address, port: offer.port });
    const audio = this.session;
    if (audio) {
      this.startT38();
      audio.stop();
    }
    return true;
  }

  /** Where the T.38 session receives: a file of its own, apart from an audio session's. */
  private get t38File(): string {
    return this.file.replace(/(\.tif)?$/, '-t38.tif');
  }

  private startAudio(): void {
    const session = this.services.engine.receive(this.file, {
      ident: this.ident,
      send: (pcm) => this.rtp.send(pcm),
      page: (p) => this.page(p),
    });
    this.session = this.audioSession = session;
  }

  private startT38(): void {
    const udptl = this.udptl!;
    const session = this.services.t38!.receiveT38(this.t38File, {
      ident: this.ident,
      sendIfp: (ifp) => udptl.send(ifp),
      page: (p) => this.page(p),
    });
    udptl.listen((seq, ifp) => session.ifp(seq, ifp));
    this.audioSession = null;
    this.session = session;
    this.stopWatching = this.watch(udptl);
  }

  /** Ends the fax when its T.38 stream turns to garbage (see GARBLE_WINDOW_MS). */
  private watch(udptl: UdptlSession): () => void {
    let last = { ...udptl.stats };
    let badWindows = 0;
    const timer = setInterval(() => {
      const now = { ...udptl.stats };
      const bad = now.malformed - last.malformed + (now.jumps - last.jumps);
      const all = now.received - last.received + (now.malformed - last.malformed);
      last = now;
      badWindows = bad >= GARBLED_MIN && bad > all * GARBLED_SHARE ? badWindows + 1 : 0;
      if (badWindows < 2 || this.garbled) return;
      this.garbled = `the T.38 stream was garbled (${bad} of ${all} datagrams unusable in ${GARBLE_WINDOW_MS / 1000} s)`;
      this.services.log('fax T.38 stream garbled', { call: this.dialog.callId, udptl: now });
      this.session?.stop();
    }, GARBLE_WINDOW_MS);
    return () => clearInterval(timer);
  }

  private page(p: { pages: number; remoteId: string; bitRate: number; ecm: boolean }): void {
    this.pages = p.pages;
    this.services.log('fax page received', {
      call: this.dialog.callId,
      pages: p.pages,
      remoteId: p.remoteId,
      bitRate: p.bitRate,
      ecm: p.ecm,
      t38: this.udptl !== null,
    });
  }

  hangUp(): void {
    this.callerHungUp = true;
    this.session?.stop();
  }

  /** Runs the fax to its end; resolves once it is stored (or known to hold nothing). */
  async run(): Promise<void> {
    const { services, dialog } = this;
    services.log('fax call started', { call: dialog.callId, t38: this.udptl !== null });
    if (this.udptl) this.startT38();
    else this.startAudio();
    if (this.callerHungUp) this.session!.stop();
    const limit = setTimeout(() => this.session?.stop(), services.maxFaxMs);
    let outcome: FaxOutcome;
    for (;;) {
      const running = this.session!;
      outcome = await running.done;
      if (running === this.session) break;
      // The audio session gave way to T.38: what it wrote (no whole page) goes.
      await rm(this.file, { force: true });
    }
    this.finished = true;
    this.stopWatching();
    clearTimeout(limit);
    if (this.garbled) outcome = { ...outcome, ok: false, status: this.garbled };
    await this.rtp.close();
    if (!this.callerHungUp) await hangUp(dialog, services.transactions, services.local());
    await this.keep(outcome, this.udptl ? this.t38File : this.file);
  }

  private async keep(outcome: FaxOutcome, file: string): Promise<void> {
    const detail = {
      call: this.dialog.callId,
      ...(outcome.pages === 0 ? { reason: noFax(outcome, this.callerHungUp) } : {}),
      pages: outcome.pages,
      remoteId: outcome.remoteId,
      status: outcome.status,
      complete: outcome.ok,
      engineFailed: outcome.engineFailed,
      callerHungUp: this.callerHungUp,
      durationMs: Date.now() - this.answeredAt,
      bitRate: outcome.bitRate,
      ecm: outcome.ecm,
      received: this.rtp.stats.received,
      lost: this.rtp.stats.lost,
      t38: this.udptl !== null,
      // T.38: datagrams taken, packets recovered from redundancy or lost, datagrams dropped.
      ...(this.udptl ? { udptl: this.udptl.stats } : {}),
    };
    if (outcome.engineFailed) this.services.log('fax engine failed', detail);
    if (outcome.pages === 0) {
      await rm(file, { force: true });
      this.services.log('fax received no pages', detail);
      return;
    }
    try {
      await this.services.storeFax({
        from: this.caller.address,
        to: this.mailbox.address,
        file,
        pages: outcome.pages,
        remoteId: outcome.remoteId,
        durationMs: detail.durationMs,
        complete: outcome.ok,
        status: outcome.status,
        caller: this.caller,
      });
      await rm(file, { force: true });
      this.services.log('fax stored', detail);
    } catch (err) {
      // The file stays in the recordings folder for the operator to recover.
      this.services.log('fax could not be stored', {
        ...detail,
        file,
        err: (err as Error).message,
      });
    }
  }
}

/**
 * Why a fax call left nothing, for the log: the caller hung up, our engine failed, or T.30 gave
 * up; a caller that never named a station never answered our fax tones as a fax machine does
 * (silence, a voice, a modem), the likeliest case of a call with no fax at all.
 */
function noFax(outcome: FaxOutcome, callerHungUp: boolean): string {
  if (outcome.engineFailed) return `the fax engine failed: ${outcome.status}`;
  if (callerHungUp) return 'the caller hung up before a whole page arrived';
  if (!outcome.remoteId) return `no fax machine answered our fax tones: ${outcome.status}`;
  return `no page arrived whole: ${outcome.status}`;
}
