import type { RtpSession } from '../media/rtp-session.js';
import { beep } from '../media/rtp-session.js';
import type { WavRecorder } from '../media/wav-file.js';

/** Why a recording ended. */
export type DepositEnd = 'caller-hung-up' | 'pound' | 'length-limit';

/**
 * Leaving a message, as a sequence of states: the greeting plays (a key press skips it), the
 * beep, then recording until the caller hangs up, presses `#`, or the length limit. Audio is
 * written only while recording; what the caller says over the greeting is not kept.
 */
export class Deposit {
  private state: 'greeting' | 'beep' | 'recording' | 'done' = 'greeting';
  private readonly skip = new AbortController();
  private finish: ((end: DepositEnd) => void) | null = null;
  readonly ended: Promise<DepositEnd>;

  constructor(
    private readonly rtp: RtpSession,
    private readonly recorder: WavRecorder,
    private readonly maxMs: number,
  ) {
    this.ended = new Promise((resolve) => (this.finish = resolve));
  }

  /** Plays the greeting and the beep, then records; `ended` says how it stopped. */
  async run(greeting: Int16Array): Promise<DepositEnd> {
    await this.rtp.play(greeting, this.skip.signal);
    if (this.state === 'done') return this.ended;
    this.state = 'beep';
    await this.rtp.play(beep());
    if (this.state !== 'beep') return this.ended;
    this.state = 'recording';
    const limit = setTimeout(() => this.end('length-limit'), this.maxMs);
    const end = await this.ended;
    clearTimeout(limit);
    return end;
  }

  audio(pcm: Int16Array): void {
    if (this.state === 'recording') this.recorder.write(pcm);
  }

  digit(digit: string): void {
    if (this.state === 'greeting') this.skip.abort();
    else if (this.state === 'recording' && digit === '#') this.end('pound');
  }

  hungUp(): void {
    this.end('caller-hung-up');
  }

  private end(why: DepositEnd): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.skip.abort();
    this.finish?.(why);
  }
}
