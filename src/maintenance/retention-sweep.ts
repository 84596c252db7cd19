import type { Bus, MessageStore } from '../core/ports.js';

export interface RetentionSweepDeps {
  messages: Pick<MessageStore, 'expired' | 'purge'>;
  bus: Bus;
  log(event: string, detail: object): void;
  error(err: unknown): void;
}

/** Messages purged per round, so that a large backlog does not hold the store for long. */
const BATCH = 500;

/**
 * Retention: messages past their own expiry, or older than their mailbox's retention (days),
 * are purged (with their parts, out of the quota) and the mailbox's clients told, as a delete
 * from the trash does. Run on a timer on every node: purging is idempotent, so two nodes racing
 * for the same message cost a wasted query, not a wrong count. The expiry notices announce this.
 */
export class RetentionSweep {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly deps: RetentionSweepDeps,
    private readonly everyMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.everyMs);
    this.timer.unref();
    void this.sweep();
  }

  /** One round: purges what is due now (a round already running is joined, not doubled). */
  sweep(): Promise<void> {
    this.running ??= this.round()
      .catch((err: unknown) => this.deps.error(err))
      .finally(() => (this.running = null));
    return this.running;
  }

  private async round(): Promise<void> {
    let purged = 0;
    for (;;) {
      const due = await this.deps.messages.expired(this.now().toISOString(), BATCH);
      for (const m of due)
        if (await this.deps.messages.purge(m.mailboxId, m.id)) {
          purged += 1;
          this.deps.bus.publish(`mailbox.${m.mailboxId}`, {
            type: 'message.deleted',
            messageId: m.id,
          });
        }
      if (due.length < BATCH) break;
    }
    if (purged > 0) this.deps.log('messages past their retention purged', { purged });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
