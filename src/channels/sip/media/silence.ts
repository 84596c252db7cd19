/**
 * Notices when a caller has stopped talking: 20 ms frames whose level stays under a threshold
 * (about -40 dBFS, above line noise and comfort noise, well below speech) for `silenceMs`.
 */
export class SilenceDetector {
  private quietSamples = 0;

  constructor(
    private readonly silenceMs: number,
    private readonly threshold = 330,
  ) {}

  /** Feeds audio; true once the silence has lasted long enough (and from then on). */
  push(pcm: Int16Array): boolean {
    if (this.silenceMs <= 0) return false;
    let energy = 0;
    for (const s of pcm) energy += s * s;
    const rms = Math.sqrt(energy / Math.max(1, pcm.length));
    this.quietSamples = rms < this.threshold ? this.quietSamples + pcm.length : 0;
    return this.quietMs >= this.silenceMs;
  }

  /** How long it has been quiet, in ms (what to trim off the end of a recording). */
  get quietMs(): number {
    return this.quietSamples / 8;
  }

  reset(): void {
    this.quietSamples = 0;
  }
}
