/** The DTMF keypad: a digit is one tone of its row (low group) and one of its column (high). */
const ROWS = [697, 770, 852, 941];
const COLUMNS = [1209, 1336, 1477, 1633];
const KEYPAD = ['123A', '456B', '789C', '*0#D'];

const RATE = 8000;
/**
 * 102 samples (12.75 ms) a block: long enough that neighbouring tones (697 and 770 Hz are the
 * closest) fall near each other's first spectral null, short enough that a 40 ms tone, however
 * it lines up with the blocks, covers two whole ones.
 */
const BLOCK = 102;
/** The mean square of a full-scale sine, the 0 dBFS that levels here are measured against. */
const FULL_SCALE = (32767 * 32767) / 2;

const dbToPower = (db: number) => 10 ** (db / 10);

export interface InbandDtmfOptions {
  /** The weakest tone accepted, per tone, in dBFS; Q.24 asks for -25 dBm0 (about -28 dBFS). */
  minLevelDb?: number;
  /** How far the high group may be below the low ("normal" twist, what lines do to it). */
  normalTwistDb?: number;
  /** How far the high group may be above the low ("reverse" twist). */
  reverseTwistDb?: number;
  /** How far the winning tone must stand above the other three of its group. */
  relativePeakDb?: number;
  /**
   * The share of the block's power the two tones must hold: speech and music spread theirs.
   * Measured here: a clean pair holds about 0.97, one 1.5% off frequency (the most Q.24 asks us
   * to accept) about 0.8 under noise; the worst of seven minutes of espeak-ng voices at high
   * pitch, and plucked chords, held 0.73 in one block and 0.65 in two blocks in a row.
   */
  toneShare?: number;
}

/**
 * Hears DTMF digits in 8 kHz 16-bit audio, for phones and gateways that send their key presses
 * as tones in the call's audio rather than as RFC 4733 events. Audio comes in chunks of any size;
 * each 12.75 ms block is measured with Goertzel filters on the eight keypad tones and judged a
 * digit only when one row and one column tone stand clear of their groups, at a plausible
 * level and balance, and together hold most of the block's power. A digit is reported once
 * when two blocks in a row agree on it (so a 40 ms press is always heard, and a blip of a
 * block is not), and is released by two blocks in a row without it.
 */
export class InbandDtmfDetector {
  private readonly coefficients = [...ROWS, ...COLUMNS].map(
    (f) => Math.cos((2 * Math.PI * f) / RATE) * 2,
  );
  private readonly s1 = new Float64Array(8);
  private readonly s2 = new Float64Array(8);
  private energy = 0;
  private count = 0;
  /** What the previous block heard, and the digit held now ('' for none). */
  private lastHit = '';
  private held = '';

  private readonly minPower: number;
  private readonly normalTwist: number;
  private readonly reverseTwist: number;
  private readonly relativePeak: number;
  private readonly toneShare: number;

  constructor(options: InbandDtmfOptions = {}) {
    this.minPower = FULL_SCALE * dbToPower(options.minLevelDb ?? -35);
    this.normalTwist = dbToPower(options.normalTwistDb ?? 8);
    this.reverseTwist = dbToPower(options.reverseTwistDb ?? 4);
    this.relativePeak = dbToPower(options.relativePeakDb ?? 8);
    this.toneShare = options.toneShare ?? 0.75;
  }

  /** Feeds samples; returns the digits that began in them, in order. */
  push(pcm: Int16Array): string[] {
    const digits: string[] = [];
    const c = this.coefficients;
    const [c0, c1, c2, c3, c4, c5, c6, c7] = [
      c[0]!,
      c[1]!,
      c[2]!,
      c[3]!,
      c[4]!,
      c[5]!,
      c[6]!,
      c[7]!,
    ];
    const { s1, s2 } = this;
    // The eight filters' state in locals for the inner loop, which V8 keeps in registers: with
    // typed-array loads and stores per sample and filter this ran about five times slower, and
    // it runs on every call's audio (bench/README.md).
    let a0 = s1[0]!,
      a1 = s1[1]!,
      a2 = s1[2]!,
      a3 = s1[3]!,
      a4 = s1[4]!,
      a5 = s1[5]!,
      a6 = s1[6]!,
      a7 = s1[7]!;
    let b0 = s2[0]!,
      b1 = s2[1]!,
      b2 = s2[2]!,
      b3 = s2[3]!,
      b4 = s2[4]!,
      b5 = s2[5]!,
      b6 = s2[6]!,
      b7 = s2[7]!;
    let energy = this.energy;
    let count = this.count;
    for (let i = 0; i < pcm.length; i++) {
      const x = pcm[i]!;
      energy += x * x;
      let t: number;
      t = x + c0 * a0 - b0;
      b0 = a0;
      a0 = t;
      t = x + c1 * a1 - b1;
      b1 = a1;
      a1 = t;
      t = x + c2 * a2 - b2;
      b2 = a2;
      a2 = t;
      t = x + c3 * a3 - b3;
      b3 = a3;
      a3 = t;
      t = x + c4 * a4 - b4;
      b4 = a4;
      a4 = t;
      t = x + c5 * a5 - b5;
      b5 = a5;
      a5 = t;
      t = x + c6 * a6 - b6;
      b6 = a6;
      a6 = t;
      t = x + c7 * a7 - b7;
      b7 = a7;
      a7 = t;
      if (++count === BLOCK) {
        s1.set([a0, a1, a2, a3, a4, a5, a6, a7]);
        s2.set([b0, b1, b2, b3, b4, b5, b6, b7]);
        this.energy = energy;
        const digit = this.decide(this.classify());
        if (digit) digits.push(digit);
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0;
        b0 = b1 = b2 = b3 = b4 = b5 = b6 = b7 = 0;
        energy = 0;
        count = 0;
      }
    }
    s1.set([a0, a1, a2, a3, a4, a5, a6, a7]);
    s2.set([b0, b1, b2, b3, b4, b5, b6, b7]);
    this.energy = energy;
    this.count = count;
    return digits;
  }

  private classify(): string {
    // Each filter's estimate of its tone's mean square (2|X|²/N²), comparable to the block's.
    const power = this.coefficients.map((c, k) => {
      const a = this.s1[k]!;
      const b = this.s2[k]!;
      return (2 * (a * a + b * b - c * a * b)) / (BLOCK * BLOCK);
    });
    const row = strongest(power, 0);
    const column = strongest(power, 4);
    const rowPower = power[row]!;
    const columnPower = power[column]!;
    if (rowPower < this.minPower || columnPower < this.minPower) return '';
    if (columnPower * this.normalTwist < rowPower) return '';
    if (columnPower > rowPower * this.reverseTwist) return '';
    for (let k = 0; k < 4; k++) {
      if (k !== row && power[k]! * this.relativePeak > rowPower) return '';
      if (k + 4 !== column && power[k + 4]! * this.relativePeak > columnPower) return '';
    }
    if (rowPower + columnPower < this.toneShare * (this.energy / BLOCK)) return '';
    return KEYPAD[row]![column - 4]!;
  }

  /** The digit to report after a block that heard `hit`, or null. */
  private decide(hit: string): string | null {
    const agreed = hit === this.lastHit;
    this.lastHit = hit;
    if (!agreed || hit === this.held) return null;
    this.held = hit;
    return hit || null;
  }
}

/** The index of the largest of the four powers from `from`. */
function strongest(power: number[], from: number): number {
  let best = from;
  for (let k = from + 1; k < from + 4; k++) if (power[k]! > power[best]!) best = k;
  return best;
}
