import { rm } from 'node:fs/promises';
import type { FaxEngine, FaxOutcome } from '../../../core/fax.js';
import type { ClientTransactions } from '../client-transactions.js';
import type { RtpSession } from '../media/rtp-session.js';
import type { CallerId } from './caller-identity.js';
import { hangUp, type Dialog } from './dialog.js';

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
 * fails), we hang up and store the whole pages that arrived as a fax message.
 */
export class FaxReception {
  private callerHungUp = false;
  private session: ReturnType<FaxEngine['receive']> | null = null;

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
    this.session?.hear(pcm);
  }

  hangUp(): void {
    this.callerHungUp = true;
    this.session?.stop();
  }

  /** Runs the fax to its end; resolves once it is stored (or known to hold nothing). */
  async run(): Promise<void> {
    const { services, dialog } = this;
    services.log('fax call started', { call: dialog.callId });
    const session = services.engine.receive(this.file, {
      ident: this.ident,
      send: (pcm) => this.rtp.send(pcm),
      page: (p) =>
        services.log('fax page received', {
          call: dialog.callId,
          pages: p.pages,
          remoteId: p.remoteId,
          bitRate: p.bitRate,
          ecm: p.ecm,
        }),
    });
    this.session = session;
    if (this.callerHungUp) session.stop();
    const limit = setTimeout(() => session.stop(), services.maxFaxMs);
    const outcome = await session.done;
    clearTimeout(limit);
    await this.rtp.close();
    if (!this.callerHungUp) await hangUp(dialog, services.transactions, services.local());
    await this.keep(outcome);
  }

  private async keep(outcome: FaxOutcome): Promise<void> {
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
    };
    if (outcome.engineFailed) this.services.log('fax engine failed', detail);
    if (outcome.pages === 0) {
      await rm(this.file, { force: true });
      this.services.log('fax received no pages', detail);
      return;
    }
    try {
      await this.services.storeFax({
        from: this.caller.address,
        to: this.mailbox.address,
        file: this.file,
        pages: outcome.pages,
        remoteId: outcome.remoteId,
        durationMs: detail.durationMs,
        complete: outcome.ok,
        status: outcome.status,
        caller: this.caller,
      });
      await rm(this.file, { force: true });
      this.services.log('fax stored', detail);
    } catch (err) {
      // The file stays in the recordings folder for the operator to recover.
      this.services.log('fax could not be stored', {
        ...detail,
        file: this.file,
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
