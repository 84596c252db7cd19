import type { PromptId } from './prompts.js';

/** The states of leaving a message. */
export type DepositState =
  | 'greeting'
  | 'mailbox-full'
  | 'beep'
  | 'recording'
  | 'nothing-recorded'
  | 'review'
  | 'listen'
  | 'rerecord'
  | 'urgent'
  | 'save'
  | 'not-saved'
  | 'exit-star'
  | 'exit-zero'
  | 'transfer-failed'
  | 'hang-up';

/** What a state plays: a prompt, the subscriber's greeting, the beep, or the recording so far. */
export type Sound = PromptId | 'greeting' | 'beep' | 'recording';

/** Work a state does on entering, before it plays anything; it may fail. */
export type Effect =
  'discard-recording' | 'mark-urgent' | 'store' | 'transfer-star' | 'transfer-zero';

export interface DepositStep {
  effect?: Effect;
  /** Where to go when the effect fails. */
  failed?: DepositState;
  play?: Sound[];
  /** The caller's audio is kept while in this state. */
  record?: boolean;
  /** Where a recording that kept too little to be a message goes, instead of `next`. */
  empty?: DepositState;
  /** Keys this state takes, `other` for any key not listed; a key cuts the sounds short. */
  keys?: Partial<Record<string, DepositState>>;
  /** After the sounds, how long to wait for a key; the sounds and wait repeat `repeats` times. */
  waitMs?: number;
  repeats?: number;
  /** Where the state goes when its sounds and waits are over (or, recording, on silence or the limit). */
  next: DepositState;
  /** What the caller hanging up in this state does with the recording. */
  hangUp: 'keep' | 'discard';
}

/**
 * Leaving a message, as data. The greeting (busy or unavailable) plays; `*` and `0` leave to
 * the configured destinations and any other key skips to the beep. Recording runs until `#`,
 * silence or the length limit, then (unless only silence came) the review menu: 1 send, 2 listen, 3 record again, 4 urgent
 * (the keys of Asterisk's voicemail, which callers know). Hanging up once recording has begun
 * keeps the message, as callers expect from an answering machine.
 */
export const DEPOSIT_FLOW: Record<Exclude<DepositState, 'hang-up'>, DepositStep> = {
  greeting: {
    play: ['greeting'],
    keys: { '*': 'exit-star', '0': 'exit-zero', other: 'beep' },
    next: 'beep',
    hangUp: 'discard',
  },
  'mailbox-full': { play: ['mailbox-full', 'goodbye'], next: 'hang-up', hangUp: 'discard' },
  beep: { play: ['beep'], next: 'recording', hangUp: 'discard' },
  recording: {
    record: true,
    keys: { '#': 'review' },
    next: 'review',
    // Silence alone is nothing to review: a caller who said nothing is told so, not offered
    // a menu for an empty message three times over.
    empty: 'nothing-recorded',
    hangUp: 'keep',
  },
  'nothing-recorded': {
    effect: 'discard-recording',
    play: ['nothing-heard', 'goodbye'],
    next: 'hang-up',
    hangUp: 'discard',
  },
  review: {
    play: ['review-menu'],
    keys: { '1': 'save', '2': 'listen', '3': 'rerecord', '4': 'urgent' },
    waitMs: 5000,
    repeats: 3,
    // A caller who says nothing more still wants the message sent.
    next: 'save',
    hangUp: 'keep',
  },
  listen: { play: ['recording'], keys: { other: 'review' }, next: 'review', hangUp: 'keep' },
  rerecord: { effect: 'discard-recording', next: 'beep', hangUp: 'discard' },
  urgent: { effect: 'mark-urgent', play: ['marked-urgent'], next: 'review', hangUp: 'keep' },
  save: {
    effect: 'store',
    failed: 'not-saved',
    play: ['saved', 'goodbye'],
    next: 'hang-up',
    hangUp: 'keep',
  },
  'not-saved': { play: ['not-saved', 'goodbye'], next: 'hang-up', hangUp: 'discard' },
  'exit-star': {
    effect: 'transfer-star',
    failed: 'transfer-failed',
    next: 'hang-up',
    hangUp: 'discard',
  },
  'exit-zero': {
    effect: 'transfer-zero',
    failed: 'transfer-failed',
    next: 'hang-up',
    hangUp: 'discard',
  },
  'transfer-failed': { play: ['transfer-failed'], next: 'beep', hangUp: 'discard' },
};
