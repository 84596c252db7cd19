import { DEPOSIT_FLOW, type DepositState, type Effect, type Sound } from './deposit-flow.js';

/** What the flow needs from the call it runs in. */
export interface DepositHooks {
  /** The samples of a sound (prompts are spoken and cached; the recording is read back). */
  sound(sound: Sound): Promise<Int16Array>;
  /** Plays to the caller; resolves when played or when `signal` aborts. */
  play(pcm: Int16Array, signal: AbortSignal): Promise<void>;
  effect(effect: Effect): Promise<boolean>;
  /** Whether the caller's audio is being kept now. */
  recording(on: boolean): void;
  /** Whether the recording so far is too short to be a message (silence alone). */
  recordedNothing(): boolean;
  /** Whether a state can be entered (an exit with no destination configured cannot). */
  available(state: DepositState): boolean;
  /** Each state entered, for the log. */
  entered?(state: DepositState): void;
}

/** How a deposit ended: in which state, and whether the caller hung up there. */
export interface DepositOutcome {
  last: DepositState;
  callerHungUp: boolean;
  /** The recording should still be stored (the caller hung up where that keeps it). */
  keep: boolean;
}

type Wake = { kind: 'key'; digit: string } | { kind: 'hang-up' } | { kind: 'end-recording' };

/**
 * Runs DEPOSIT_FLOW for one call: enters a state, does its effect, plays its sounds (cut short
 * by a key the state takes), waits, and moves on. Keys, the caller hanging up, silence and the
 * length limit arrive as events from the call.
 */
export class Deposit {
  private state: DepositState;
  private wake: ((w: Wake) => void) | null = null;
  private hungUp = false;

  constructor(
    private readonly hooks: DepositHooks,
    start: DepositState,
    private readonly maxRecordingMs: number,
  ) {
    this.state = start;
  }

  get current(): DepositState {
    return this.state;
  }

  async run(): Promise<DepositOutcome> {
    let state = this.state;
    while (state !== 'hang-up') {
      this.state = state;
      this.hooks.entered?.(state);
      const step = DEPOSIT_FLOW[state];
      if (this.hungUp) return this.outcome(step.hangUp === 'keep');
      if (step.effect && !(await this.hooks.effect(step.effect))) {
        state = step.failed ?? step.next;
        continue;
      }
      const next = await this.perform(state);
      if (next === null) return this.outcome(step.hangUp === 'keep');
      state = next;
    }
    this.state = 'hang-up';
    return { last: 'hang-up', callerHungUp: false, keep: false };
  }

  private outcome(keep: boolean): DepositOutcome {
    return { last: this.state, callerHungUp: true, keep };
  }

  /** One state's sounds and waits; the next state, or null when the caller hung up. */
  private async perform(state: Exclude<DepositState, 'hang-up'>): Promise<DepositState | null> {
    const step = DEPOSIT_FLOW[state];
    const cut = new AbortController();
    let woken: Wake | null = null;
    const woke = new Promise<Wake>((resolve) => {
      this.wake = (w) => {
        if (w.kind === 'key' && !this.takes(state, w.digit)) return;
        if (w.kind === 'end-recording' && !step.record) return;
        woken = w;
        cut.abort();
        resolve(w);
      };
    });
    const limit = step.record
      ? setTimeout(() => this.wake?.({ kind: 'end-recording' }), this.maxRecordingMs)
      : null;
    if (step.record) this.hooks.recording(true);
    try {
      const sounds = step.play ?? [];
      const rounds = step.repeats ?? 1;
      for (let round = 0; round < rounds && !woken; round++) {
        for (const sound of sounds) {
          if (woken) break;
          await this.hooks.play(await this.hooks.sound(sound), cut.signal);
        }
        if (!woken && step.waitMs)
          await Promise.race([woke, new Promise((r) => setTimeout(r, step.waitMs))]);
      }
      // A recording state has nothing to play: it lasts until a key, silence or the limit.
      const end: Wake | null = woken ?? (step.record ? await woke : null);
      if (!end) return step.next;
      if (end.kind === 'hang-up') return null;
      if (end.kind === 'end-recording')
        return step.empty && this.hooks.recordedNothing() ? step.empty : step.next;
      return this.target(state, end.digit);
    } finally {
      if (limit) clearTimeout(limit);
      if (step.record) this.hooks.recording(false);
      this.wake = null;
    }
  }

  private target(state: Exclude<DepositState, 'hang-up'>, digit: string): DepositState | null {
    const keys = DEPOSIT_FLOW[state].keys ?? {};
    const listed = keys[digit];
    if (listed && this.hooks.available(listed)) return listed;
    const other = keys['other'];
    return other && this.hooks.available(other) ? other : null;
  }

  private takes(state: Exclude<DepositState, 'hang-up'>, digit: string): boolean {
    return this.target(state, digit) !== null;
  }

  digit(digit: string): void {
    this.wake?.({ kind: 'key', digit });
  }

  /** Silence or the length limit ends the recording (the call detects silence). */
  endRecording(): void {
    this.wake?.({ kind: 'end-recording' });
  }

  hangUp(): void {
    this.hungUp = true;
    this.wake?.({ kind: 'hang-up' });
  }
}
