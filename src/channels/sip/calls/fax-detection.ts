import type { ClientTransactions } from '../client-transactions.js';
import { CngDetector } from '../media/cng-detector.js';
import type { RtpSession } from '../media/rtp-session.js';
import type { T38Offer } from '../protocol/sdp-t38.js';
import { hangUp, type Dialog } from './dialog.js';
import type { FaxReception } from './fax-reception.js';
import type { VoicemailCall } from './voicemail-call.js';

/**
 * A call to a subscriber's number, which may be a fax machine: the voicemail flow runs as for
 * any call, while the caller's audio is listened to for a fax's CNG tone during the first
 * `detectMs` after the answer (a calling fax repeats it every 3.5 s, whatever it hears). When it
 * comes, the voicemail flow stops, keeping nothing, and the call is the fax's; when it does not,
 * the call is a voicemail exactly as without detection.
 */
export class FaxOrVoice {
  private detector: CngDetector | null = null;
  private fax: FaxReception | null = null;
  private over = false;

  constructor(
    private readonly voicemail: VoicemailCall,
    private readonly detectMs: number,
    /** Makes the reception that takes the call over once the tone is heard. */
    private readonly takeOver: () => FaxReception,
    private readonly log: (event: string, detail: object) => void,
  ) {}

  audio(pcm: Int16Array): void {
    if (this.fax) return this.fax.audio(pcm);
    this.voicemail.audio(pcm);
    if (!this.detector?.push(pcm) || this.over) return;
    this.detector = null;
    if (!this.voicemail.handOver()) return;
    this.log('fax tone heard', { call: this.voicemail.dialog.callId });
    this.fax = this.takeOver();
  }

  digit(digit: string): void {
    if (!this.fax) this.voicemail.digit(digit);
  }

  /**
   * The caller offers T.38 (a fax gateway's re-INVITE): as good as the tone, the voicemail flow
   * stops and the fax is received over T.38. True when the call takes it.
   */
  t38(offer: T38Offer): boolean {
    if (!this.fax) {
      if (this.over || !this.voicemail.handOver()) return false;
      this.detector = null;
      this.log('fax T.38 offered', { call: this.voicemail.dialog.callId });
      this.fax = this.takeOver();
    }
    return this.fax.t38(offer);
  }

  hangUp(): void {
    if (this.fax) this.fax.hangUp();
    else this.voicemail.hangUp();
  }

  async run(confirmed: Promise<boolean>): Promise<void> {
    const acked = await confirmed;
    // Listened for only once the caller is known to be there, and only for the first seconds.
    let window: NodeJS.Timeout | null = null;
    if (acked && this.detectMs > 0) {
      this.detector = new CngDetector();
      window = setTimeout(() => (this.detector = null), this.detectMs);
    }
    await this.voicemail.run(Promise.resolve(acked));
    if (window) clearTimeout(window);
    this.detector = null;
    this.over = true;
    if (this.fax) await this.fax.run();
  }
}

/**
 * A call to a dedicated fax number: no greeting and no listening for the tone, the fax
 * reception takes the call as soon as the caller's ACK shows it is there.
 */
export class FaxLine {
  constructor(
    private readonly fax: FaxReception,
    private readonly dialog: Dialog,
    private readonly rtp: RtpSession,
    private readonly sip: {
      transactions: ClientTransactions;
      local(): { host: string; port: number };
    },
  ) {}

  audio(pcm: Int16Array): void {
    this.fax.audio(pcm);
  }

  digit(): void {}

  t38(offer: T38Offer): boolean {
    return this.fax.t38(offer);
  }

  hangUp(): void {
    this.fax.hangUp();
  }

  async run(confirmed: Promise<boolean>): Promise<void> {
    if (await confirmed) return this.fax.run();
    // Never ACKed: the call is ended (RFC 3261 13.3.1.4).
    await this.rtp.close();
    await hangUp(this.dialog, this.sip.transactions, this.sip.local());
  }
}
