import type { Bus, BusEvent } from '../core/ports.js';

/**
 * The bus of a single node: handlers run in-process. A failing handler is isolated so that one
 * broken subscriber cannot stop an event reaching the others. NATS takes its place on many nodes.
 */
export class LocalBus implements Bus {
  private readonly topics = new Map<string, Set<(event: BusEvent) => void>>();

  constructor(private readonly onHandlerError: (topic: string, err: unknown) => void = () => {}) {}

  publish(topic: string, event: BusEvent): void {
    const handlers = this.topics.get(topic);
    if (!handlers) return;
    // The usual topic has one handler (a device's connection); live audio is published
    // thousands of times a second, so that case skips the copy made against changes mid-loop.
    if (handlers.size === 1) return this.deliver(topic, handlers.values().next().value!, event);
    for (const handler of [...handlers]) this.deliver(topic, handler, event);
  }

  private deliver(topic: string, handler: (event: BusEvent) => void, event: BusEvent): void {
    try {
      handler(event);
    } catch (err) {
      this.onHandlerError(topic, err);
    }
  }

  subscribe(topic: string, handler: (event: BusEvent) => void): () => void {
    let handlers = this.topics.get(topic);
    if (!handlers) this.topics.set(topic, (handlers = new Set()));
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.topics.delete(topic);
    };
  }

  /** Subscriptions open now, for metrics and tests. */
  get subscriptions(): number {
    let n = 0;
    for (const handlers of this.topics.values()) n += handlers.size;
    return n;
  }
}
