import type { StagedBlob } from './ingest.js';

/**
 * What callers hear from a subscriber's mailbox: `unavailable` when the call is not answered,
 * `busy` when the line is engaged, `name` spoken where the system announces whose mailbox it is.
 */
export const GREETING_KINDS = ['unavailable', 'busy', 'name'] as const;
export type GreetingKind = (typeof GREETING_KINDS)[number];

export function isGreetingKind(value: string): value is GreetingKind {
  return (GREETING_KINDS as readonly string[]).includes(value);
}

/** One stored greeting: the audio as the subscriber gave it, and the copy telephony plays. */
export interface Greeting {
  kind: GreetingKind;
  /** The content type of the original upload or browser recording. */
  contentType: string;
  size: number;
  sha256: string;
  durationMs: number;
  /** The normalized copy (WAV, 8 kHz mono linear PCM), ready to play to a caller. */
  playable: { contentType: string; size: number; sha256: string };
  updatedAt: string;
}

/** Greetings are kept per subscriber and kind; saving a kind again replaces it. */
export interface GreetingStore {
  list(subscriberId: string): Promise<Greeting[]>;
  get(subscriberId: string, kind: GreetingKind): Promise<Greeting | null>;
  /** Records the blobs and the greeting in one transaction, replacing any earlier one. */
  save(
    subscriberId: string,
    greeting: Greeting,
    blobs: { original: StagedBlob; playable: StagedBlob },
  ): Promise<Greeting>;
  delete(subscriberId: string, kind: GreetingKind): Promise<boolean>;
}
