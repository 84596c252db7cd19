/**
 * The busy-channel bitmap of one resource on this node (seed 001): which of its channels carry
 * an attempt now. A channel is taken before sending and given back after.
 */
export class ChannelPool {
  private readonly busy: boolean[];

  constructor(readonly size: number) {
    this.busy = Array.from({ length: size }, () => false);
  }

  take(): number | null {
    const i = this.busy.indexOf(false);
    if (i < 0) return null;
    this.busy[i] = true;
    return i;
  }

  give(channel: number): void {
    this.busy[channel] = false;
  }

  get inUse(): number {
    return this.busy.filter(Boolean).length;
  }

  /** "1010": channel 0 and 2 busy. */
  bitmap(): string {
    return this.busy.map((b) => (b ? '1' : '0')).join('');
  }
}
