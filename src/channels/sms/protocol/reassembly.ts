import type { Concatenation } from './short-message.js';

interface Pending {
  parts: Map<number, string>;
  total: number;
  firstAt: number;
}

/** A text made whole, or given up on with the parts that came (`missing` > 0). */
export interface Joined {
  key: string;
  text: string;
  missing: number;
}

/**
 * Joins concatenated SMS parts (any order, duplicates ignored) per sender and reference. A text
 * whose parts stop coming is given up after `timeoutMs` with what arrived, so nothing received is
 * lost; the number of texts waiting is bounded so a flood of first parts cannot grow memory.
 */
export class Reassembly {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly timeoutMs: number,
    private readonly maxPending = 10_000,
  ) {}

  /** Adds a part; gives the whole text once its last part is in. */
  add(sender: string, part: Concatenation, text: string, now = Date.now()): Joined | null {
    const key = `${sender}|${part.reference}|${part.total}`;
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= this.maxPending) return { key, text, missing: part.total - 1 };
      entry = { parts: new Map(), total: part.total, firstAt: now };
      this.pending.set(key, entry);
    }
    if (!entry.parts.has(part.seq)) entry.parts.set(part.seq, text);
    if (entry.parts.size < entry.total) return null;
    this.pending.delete(key);
    return { key, text: joined(entry), missing: 0 };
  }

  /** Texts whose time ran out, with the parts that came (in order) and how many are missing. */
  expired(now = Date.now()): Joined[] {
    const out: Joined[] = [];
    for (const [key, entry] of this.pending) {
      if (now - entry.firstAt < this.timeoutMs) continue;
      this.pending.delete(key);
      out.push({ key, text: joined(entry), missing: entry.total - entry.parts.size });
    }
    return out;
  }

  get size(): number {
    return this.pending.size;
  }
}

function joined(entry: Pending): string {
  return [...entry.parts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, t]) => t)
    .join('');
}
