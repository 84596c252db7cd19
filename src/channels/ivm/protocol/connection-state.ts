import { TokenBucket } from '../../../lib/token-bucket.js';

/** Close codes of the voice messenger (docs/ivm-protocol.md). */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  tooBig: 1009,
  tooManyErrors: 4400,
  /** The session ended (signed out, expired) or the account was deactivated. */
  signedOut: 4401,
  timeout: 4408,
  flood: 4429,
} as const;

export interface ConnectionLimits {
  controlPerSecond: number;
  audioFramesPerSecond: number;
  /** Errors in `errorWindowMs` past which the connection is closed (4400). */
  maxErrors: number;
  errorWindowMs: number;
  /** Seconds in a row at more than twice a rate that make a flood (4429). */
  floodSeconds: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  controlPerSecond: 20,
  audioFramesPerSecond: 100,
  maxErrors: 20,
  errorWindowMs: 10_000,
  floodSeconds: 5,
};

/** Frames in one-second windows; seconds in a row above the flood line. */
class FloodWatch {
  private windowStart = 0;
  private count = 0;
  private overSeconds = 0;

  constructor(
    private readonly line: number,
    private readonly seconds: number,
  ) {}

  /** Counts a frame; true once the rate has stayed over the line for the whole period. */
  count1(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      const over = this.count > this.line && now - this.windowStart < 2000;
      this.overSeconds = over ? this.overSeconds + 1 : 0;
      this.windowStart = now;
      this.count = 0;
    }
    this.count++;
    return this.count > this.line && this.overSeconds >= this.seconds - 1;
  }
}

export type Verdict =
  | { kind: 'ok' }
  /** Over the rate: refused; `tell` says whether to send an error (at most one a second). */
  | { kind: 'limited'; tell: boolean }
  | { kind: 'close'; code: number; reason: string };

/**
 * What one connection may still do: the connect handshake, rate limits on control and audio
 * frames, the flood line and the error budget. Pure: time is passed in.
 */
export class ConnectionState {
  connected = false;
  private readonly control: TokenBucket;
  private readonly audio: TokenBucket;
  private readonly controlFlood: FloodWatch;
  private readonly audioFlood: FloodWatch;
  private errors: number[] = [];
  private lastLimitedTold = -Infinity;

  constructor(
    private readonly limits: ConnectionLimits,
    now: number,
  ) {
    this.control = new TokenBucket(limits.controlPerSecond, limits.controlPerSecond * 2, now);
    this.audio = new TokenBucket(limits.audioFramesPerSecond, limits.audioFramesPerSecond * 2, now);
    this.controlFlood = new FloodWatch(limits.controlPerSecond * 2, limits.floodSeconds);
    this.audioFlood = new FloodWatch(limits.audioFramesPerSecond * 2, limits.floodSeconds);
  }

  /** A text frame arrived. */
  controlFrame(now: number): Verdict {
    return this.take(now, this.control, this.controlFlood, 'control');
  }

  /** A binary frame arrived. */
  audioFrame(now: number): Verdict {
    return this.take(now, this.audio, this.audioFlood, 'audio');
  }

  /** An error was sent back; too many in the window close the connection. */
  error(now: number): Verdict {
    this.errors.push(now);
    while (this.errors.length > 0 && now - this.errors[0]! > this.limits.errorWindowMs)
      this.errors.shift();
    return this.errors.length > this.limits.maxErrors
      ? { kind: 'close', code: CLOSE.tooManyErrors, reason: 'too many errors' }
      : { kind: 'ok' };
  }

  private take(now: number, bucket: TokenBucket, flood: FloodWatch, what: string): Verdict {
    if (flood.count1(now))
      return { kind: 'close', code: CLOSE.flood, reason: `${what} frame flood` };
    if (bucket.take(now)) return { kind: 'ok' };
    const tell = now - this.lastLimitedTold >= 1000;
    if (tell) this.lastLimitedTold = now;
    return { kind: 'limited', tell };
  }
}
