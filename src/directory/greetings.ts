import { invalid, notFound, SwitchboardError } from '../core/errors.js';
import type { Greeting, GreetingKind, GreetingStore } from '../core/greeting.js';
import type { BlobStore, MediaConverter } from '../core/ports.js';
import { isoNow } from '../lib/time.js';
import { audioDurationMs } from '../media/duration.js';

/** What telephony plays: WAV, 8 kHz mono, 16-bit linear PCM, the rate of a phone call. */
export const PLAYABLE_FORMAT = 'audio/wav;rate=8000';

export interface GreetingLimits {
  /** Largest upload or recording accepted, in bytes. */
  maxBytes: number;
  /** Longest greeting accepted, in seconds. */
  maxSeconds: number;
}

/**
 * A subscriber's greetings: checked to be audio within the limits, kept as given (so the web app
 * plays back exactly what was recorded) and as a normalized copy that a call can play without
 * converting while the caller waits. Every call is scoped by the subscriber id.
 */
export class Greetings {
  constructor(
    private readonly store: GreetingStore,
    private readonly blobs: BlobStore,
    private readonly media: MediaConverter,
    readonly limits: GreetingLimits,
    private readonly now: () => string = isoNow,
  ) {}

  list(subscriberId: string): Promise<Greeting[]> {
    return this.store.list(subscriberId);
  }

  async get(subscriberId: string, kind: GreetingKind): Promise<Greeting> {
    const greeting = await this.store.get(subscriberId, kind);
    if (!greeting) throw notFound(`no ${kind} greeting is recorded`);
    return greeting;
  }

  async record(
    subscriberId: string,
    kind: GreetingKind,
    contentType: string,
    content: Buffer,
  ): Promise<Greeting> {
    const type = contentType.trim().toLowerCase();
    if (!type.startsWith('audio/') || this.media.key(type) === null)
      throw new SwitchboardError(
        'unsupported-media-type',
        `a greeting is audio (such as audio/wav, audio/ogg, audio/webm or audio/mpeg), not ${contentType || 'an untyped body'}`,
      );
    if (content.length === 0) throw invalid('the greeting is empty');
    if (content.length > this.limits.maxBytes)
      throw new SwitchboardError(
        'too-large',
        `the greeting is ${content.length} bytes; the limit is ${this.limits.maxBytes}`,
      );
    // A WAV tells its length in its header: a long one is refused before any conversion runs.
    this.checkLength(audioDurationMs(type, content));
    const playable = await this.media.convert(content, type, PLAYABLE_FORMAT, {});
    const durationMs = audioDurationMs('audio/wav', playable.content) ?? 0;
    if (durationMs === 0) throw invalid('the greeting has no sound in it');
    this.checkLength(durationMs);
    const [original, normalized] = await Promise.all([
      this.blobs.stage(content),
      this.blobs.stage(playable.content),
    ]);
    return this.store.save(
      subscriberId,
      {
        kind,
        contentType: type,
        size: original.size,
        sha256: original.sha256,
        durationMs,
        playable: {
          contentType: playable.format,
          size: normalized.size,
          sha256: normalized.sha256,
        },
        updatedAt: this.now(),
      },
      { original, playable: normalized },
    );
  }

  /**
   * The greeting's audio: as recorded when no format is asked, the normalized copy when that is
   * the format, otherwise a rendition made now (greetings are short; nothing is kept).
   */
  async audio(
    subscriberId: string,
    kind: GreetingKind,
    format?: string,
  ): Promise<{ contentType: string; content: Buffer }> {
    const greeting = await this.get(subscriberId, kind);
    if (format === undefined)
      return { contentType: greeting.contentType, content: await this.blobs.get(greeting.sha256) };
    const key = this.media.key(format);
    if (!key)
      throw new SwitchboardError(
        'not-acceptable',
        `unknown format "${format}"; see GET /api/v1/formats`,
      );
    if (key === this.media.key(greeting.playable.contentType))
      return {
        contentType: greeting.playable.contentType,
        content: await this.blobs.get(greeting.playable.sha256),
      };
    if (key === this.media.key(greeting.contentType))
      return { contentType: greeting.contentType, content: await this.blobs.get(greeting.sha256) };
    const made = await this.media.convert(
      await this.blobs.get(greeting.sha256),
      greeting.contentType,
      key,
      {},
    );
    return { contentType: made.format, content: made.content };
  }

  async remove(subscriberId: string, kind: GreetingKind): Promise<void> {
    if (!(await this.store.delete(subscriberId, kind)))
      throw notFound(`no ${kind} greeting is recorded`);
  }

  private checkLength(durationMs: number | null): void {
    if (durationMs !== null && durationMs > this.limits.maxSeconds * 1000)
      throw new SwitchboardError(
        'too-large',
        `the greeting is ${Math.round(durationMs / 1000)} s long; the limit is ${this.limits.maxSeconds} s`,
      );
  }
}
