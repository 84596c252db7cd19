const RATE = 8000;
/**
 * 80 samples (10 ms) a block: the Goertzel filter's main lobe is then 100 Hz wide, so a CNG tone
 * at the edge of its tolerance (1100 ± 38 Hz) still holds most of its power, while 1000 Hz (the
 * voicemail beep, or a caller's test tone) falls on its first null.
 */
const BLOCK = 80;
const CNG_HZ = 1100;
/** T.30: CNG is 0.5 s on (± 15%), 3 s off. Bursts are accepted a little wider, for jitter. */
const MIN_ON_MS = 380;
const MAX_ON_MS = 800;
const FULL_SCALE = (32767 * 32767) / 2;

export interface CngDetectorOptions {
  /** The weakest tone heard, in dBFS; CNG is sent at about -10 to -15 dBm0. */
  minLevelDb?: number;
  /** The share of a block's power the tone must hold: speech spreads its power wide. */
  toneShare?: number;
}

/**
 * Hears a calling fax machine: its CNG tone (T.30: 1100 Hz, 0.5 s on, 3 s off) in a call's 8 kHz
 * audio. Each 10 ms block is measured with a Goertzel filter at 1100 Hz; a run of tone blocks
 * lasting as long as one CNG burst, and then stopping, is a fax calling. A longer tone (a test
 * tone, music) is not, nor is one shorter than a burst.
 */
export class CngDetector {
  private readonly coefficient = 2 * Math.cos((2 * Math.PI * CNG_HZ) / RATE);
  private s1 = 0;
  private s2 = 0;
  private energy = 0;
  private count = 0;
  /** Blocks in a row that held the tone. */
  private run = 0;
  private readonly minPower: number;
  private readonly toneShare: number;

  constructor(options: CngDetectorOptions = {}) {
    this.minPower = FULL_SCALE * 10 ** ((options.minLevelDb ?? -45) / 10);
    this.toneShare = options.toneShare ?? 0.5;
  }

  /** Feeds samples (chunks of any size); true once a whole CNG burst has been heard in them. */
  push(pcm: Int16Array): boolean {
    let heard = false;
    const c = this.coefficient;
    let { s1, s2, energy, count } = this;
    for (let i = 0; i < pcm.length; i++) {
      const x = pcm[i]!;
      energy += x * x;
      const t = x + c * s1 - s2;
      s2 = s1;
      s1 = t;
      if (++count === BLOCK) {
        const power = (2 * (s1 * s1 + s2 * s2 - c * s1 * s2)) / (BLOCK * BLOCK);
        const tone = power >= this.minPower && power >= this.toneShare * (energy / BLOCK);
        if (tone) this.run++;
        else {
          const ms = (this.run * BLOCK * 1000) / RATE;
          if (ms >= MIN_ON_MS && ms <= MAX_ON_MS) heard = true;
          this.run = 0;
        }
        s1 = s2 = energy = count = 0;
      }
    }
    Object.assign(this, { s1, s2, energy, count });
    return heard;
  }
}
