/**
 * A phone menu as data: each state says what it does on entering (an effect), what it plays,
 * which keys it takes and where they lead, whether it gathers digits (a PIN, a mailbox number)
 * or records, how long it waits and where it goes when nothing happens. `MenuRunner` runs such
 * a table against a call; the call supplies the sounds, the effects and the audio path.
 */
export interface MenuStep<S extends string, E extends string> {
  /** Work done on entering; it may send the call elsewhere (returns a state) or fail (false). */
  effect?: E;
  /** Where to go when the effect fails. */
  failed?: S;
  /** Sounds to play, by name: prompts, the message, the recording, a beep. */
  say?: string[];
  /** Keys taken, `other` for any key not listed; a key cuts the sounds short. */
  keys?: Partial<Record<string, S>>;
  /** Gathers digits until `#` (or a pause); they go to `collected` and the state moves on. */
  collect?: boolean;
  /** The caller's audio is kept while in this state, until `#`. */
  record?: boolean;
  /** After the sounds, how long to wait for a key; sounds and wait repeat `repeats` times. */
  waitMs?: number;
  repeats?: number;
  /** Where the state goes when its sounds and waits are over. */
  next: S;
}

export type MenuTable<S extends string, E extends string> = Record<
  Exclude<S, 'hang-up'>,
  MenuStep<S, E>
>;

export interface MenuHooks<S extends string, E extends string> {
  sound(name: string): Promise<Int16Array>;
  play(pcm: Int16Array, signal: AbortSignal): Promise<void>;
  /** An effect's outcome: a state to go to instead, false for failure, else carry on. */
  effect(effect: E): Promise<S | false | void>;
  /** The digits a `collect` state gathered (without the `#`). */
  collected(state: S, digits: string): void;
  recording?(on: boolean): void;
  /** Keys that lead to a state that cannot be entered now are not taken. */
  available?(state: S): boolean;
  entered?(state: S): void;
}

type Wake = { kind: 'key'; digit: string } | { kind: 'hang-up' } | { kind: 'done' };

/** How long a digit-gathering state waits after the last digit before it takes what it has. */
const DIGIT_PAUSE_MS = 5000;
/** The longest entry gathered: a PIN, a mailbox number, a phone number. */
const MAX_DIGITS = 20;

/** Runs a menu table until it reaches `hang-up` or the caller hangs up. */
export class MenuRunner<S extends string, E extends string> {
  private state: S;
  private wake: ((w: Wake) => void) | null = null;
  private hungUp = false;

  constructor(
    private readonly table: MenuTable<S, E>,
    private readonly hooks: MenuHooks<S, E>,
    start: S,
  ) {
    this.state = start;
  }

  get current(): S {
    return this.state;
  }

  /** Runs to the end; resolves with the last state and whether the caller hung up there. */
  async run(): Promise<{ last: S; callerHungUp: boolean }> {
    let state = this.state;
    while (state !== 'hang-up') {
      this.state = state;
      this.hooks.entered?.(state);
      if (this.hungUp) return { last: state, callerHungUp: true };
      const step = this.table[state as Exclude<S, 'hang-up'>];
      if (step.effect) {
        const result = await this.hooks.effect(step.effect);
        if (this.hungUp) return { last: state, callerHungUp: true };
        if (result === false) {
          state = step.failed ?? step.next;
          continue;
        }
        if (typeof result === 'string') {
          state = result;
          continue;
        }
      }
      const next = await this.perform(state, step);
      if (next === null) return { last: state, callerHungUp: true };
      state = next;
    }
    this.state = state;
    return { last: state, callerHungUp: false };
  }

  private target(step: MenuStep<S, E>, digit: string): S | null {
    const keys = step.keys ?? {};
    const ok = (s: S | undefined): s is S => !!s && (this.hooks.available?.(s) ?? true);
    const listed = keys[digit];
    if (ok(listed)) return listed;
    const other = keys['other'];
    return ok(other) ? other : null;
  }

  private async perform(state: S, step: MenuStep<S, E>): Promise<S | null> {
    const cut = new AbortController();
    let digits = '';
    const got: { wake: Wake | null } = { wake: null };
    let pause: NodeJS.Timeout | null = null;
    let settle: (w: Wake) => void = () => undefined;
    const woke = new Promise<Wake>((resolve) => (settle = resolve));
    const finish = (w: Wake) => {
      if (got.wake) return;
      got.wake = w;
      cut.abort();
      if (pause) clearTimeout(pause);
      settle(w);
    };
    this.wake = (w) => {
      if (w.kind !== 'key') return finish(w);
      if (step.collect) {
        // The first digit cuts the prompt short; `#` or a pause ends the entry.
        cut.abort();
        if (w.digit === '#' || digits.length >= MAX_DIGITS) return finish({ kind: 'done' });
        digits += w.digit;
        if (pause) clearTimeout(pause);
        pause = setTimeout(() => finish({ kind: 'done' }), DIGIT_PAUSE_MS);
        return;
      }
      if (step.record && w.digit === '#') return finish({ kind: 'done' });
      if (this.target(step, w.digit) !== null) finish(w);
    };
    if (step.record) this.hooks.recording?.(true);
    try {
      const rounds = step.repeats ?? 1;
      for (let round = 0; round < rounds && !got.wake; round++) {
        for (const name of step.say ?? []) {
          if (got.wake || cut.signal.aborted) break;
          await this.hooks.play(await this.hooks.sound(name), cut.signal);
        }
        if (!got.wake && !cut.signal.aborted && step.waitMs)
          await Promise.race([woke, new Promise((r) => setTimeout(r, step.waitMs))]);
      }
      // Gathering digits or recording lasts until it is done; a menu waits only its waitMs.
      let end: Wake | null = got.wake;
      if (!end && (step.collect || step.record)) {
        if (step.collect && !digits)
          pause = setTimeout(() => finish({ kind: 'done' }), DIGIT_PAUSE_MS);
        end = await woke;
      }
      if (!end) return step.next;
      if (end.kind === 'hang-up') return null;
      if (end.kind === 'done') {
        if (step.collect) this.hooks.collected(state, digits);
        return step.next;
      }
      return this.target(step, end.digit) ?? step.next;
    } finally {
      if (pause) clearTimeout(pause);
      if (step.record) this.hooks.recording?.(false);
      this.wake = null;
    }
  }

  digit(digit: string): void {
    this.wake?.({ kind: 'key', digit });
  }

  hangUp(): void {
    this.hungUp = true;
    this.wake?.({ kind: 'hang-up' });
  }
}
