/**
 * A semaphore per key (a destination, say): at most `size` holders per key at once, the rest
 * wait in arrival order. A key is remembered only while someone holds or waits for it, so keys
 * seen once cost nothing later.
 */
export class KeyedSemaphore {
  private readonly slots = new Map<string, { active: number; waiting: Array<() => void> }>();

  async run<T>(key: string, size: number, work: () => Promise<T>): Promise<T> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { active: 0, waiting: [] };
      this.slots.set(key, slot);
    }
    // A place is handed over directly from the one leaving to the next waiter, so no newcomer
    // can slip in between.
    if (slot.active >= Math.max(1, size))
      await new Promise<void>((resolve) => slot.waiting.push(resolve));
    else slot.active++;
    try {
      return await work();
    } finally {
      const next = slot.waiting.shift();
      if (next) next();
      else if (--slot.active === 0) this.slots.delete(key);
    }
  }

  /** Keys with holders or waiters now. */
  get keys(): number {
    return this.slots.size;
  }
}
