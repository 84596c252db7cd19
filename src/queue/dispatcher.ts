import type { CdrStore, DeliveryStore, ResourceStore } from '../core/delivery-ports.js';
import type {
  Delivery,
  DeliveryStatus,
  Rate,
  OutboundResource,
  Resource,
  SendOutcome,
} from '../core/delivery.js';
import type { Message } from '../core/message.js';
import type { BlobStore, MessageStore } from '../core/ports.js';
import { spendRefusal } from '../billing/spend-check.js';
import { backoffMs } from '../lib/backoff.js';
import { newId } from '../lib/ids.js';
import { ChannelPool } from '../router/channel-pool.js';
import { route } from '../router/router.js';
import { wantsReceipt } from './receipt-policy.js';

/** What the sent attempt used, for the receipt (a call's seconds, a fax's pages). */
export interface SentUsage {
  units: number;
  unit: string;
  /** A fax: the receiving machine's station id and the call's length. */
  remoteId?: string;
  seconds?: number;
}

/** A resource's channel lent out for work outside the queue. */
export interface BorrowedChannel {
  resource: Resource;
  rate: Rate;
  secret: string | null;
  release(): void;
}

export interface DispatcherOptions {
  /** This process's name on leases. */
  owner: string;
  leaseMs: number;
  pollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Consecutive failed attempts after which a resource is taken out of service. */
  failureLimit: number;
  /** Most deliveries claimed at once. */
  batch: number;
}

/** What the dispatcher reports; the app turns it into logs and metrics. */
export interface DispatcherObserver {
  finished?(delivery: Delivery, status: DeliveryStatus, seconds: number): void;
  attempt?(delivery: Delivery, resource: Resource, outcome: SendOutcome): void;
  held?(delivery: Delivery, reason: string): void;
  resourceDisabled?(resource: Resource, reason: string): void;
  error?(err: unknown, context: string): void;
}

export interface DispatcherDeps {
  deliveries: DeliveryStore;
  resources: ResourceStore;
  cdrs: CdrStore;
  messages: MessageStore;
  blobs: BlobStore;
  implementations: ReadonlyMap<string, OutboundResource>;
  /** Whether a subscriber's account may be billed (active). */
  accountActive(subscriberId: string): Promise<boolean>;
  /** Sends the sender a receipt for a delivery that ended. */
  receipt(delivery: Delivery, status: 'S' | 'F' | 'E', sent?: SentUsage): Promise<void>;
  /** A signed web link to a message, for notices; absent where there is no web. */
  messageLink?(messageId: string): string;
  /** A new notice code for a subscriber's message, and the number to call for it. */
  noticeCode?(
    subscriberId: string,
    messageId: string,
  ): Promise<{ code: string; call: string | null }>;
  partLink(messageId: string, index: number): string;
  /** A part of a message converted to another format; absent where nothing converts. */
  rendition?(message: Message, index: number, format: string): Promise<Buffer>;
  observer?: DispatcherObserver;
}

/**
 * The queue's worker: claims due deliveries in priority order, routes each to the cheapest free
 * resource, checks the account, sends, writes a CDR per attempt, and settles the status: S sent,
 * D deferred with backoff, F failed, E expired, H held when nothing can carry it. Several
 * processes may run one each against the same PostgreSQL; leases keep them apart.
 */
export class Dispatcher {
  private readonly pools = new Map<string, ChannelPool>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops claiming; waits for attempts in progress so that their outcome is recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** New work or a free channel: look again now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** The busy-channel bitmap of each resource on this node. */
  bitmap(resource: Resource): string {
    return this.pool(resource).bitmap();
  }

  /**
   * A channel of the cheapest able resource of `type` for `recipient`, taken for work placed
   * outside the queue (the retrieval menu's call-back): it shows busy in the bitmap, and no
   * delivery gets it, until `release`. The caller records the CDR.
   */
  async borrowChannel(
    type: string,
    recipient: string,
  ): Promise<BorrowedChannel | { unavailable: 'none' | 'busy'; reason: string }> {
    const resources = (await this.deps.resources.listResources()).filter(
      (r) => r.status === 'A' && this.deps.implementations.has(r.type),
    );
    const decision = route(
      { recipient, messageType: null, channel: type },
      resources,
      (r) => this.pool(r).inUse,
      (t) => this.deps.implementations.has(t),
    );
    if (decision.kind === 'none') return { unavailable: 'none', reason: decision.reason };
    const pool = decision.kind === 'route' ? this.pool(decision.resource) : null;
    const channel = pool?.take() ?? null;
    if (decision.kind !== 'route' || channel === null)
      return { unavailable: 'busy', reason: `every ${type} channel is busy` };
    let released = false;
    return {
      resource: decision.resource,
      rate: decision.rate,
      secret: await this.deps.resources.resourceSecret(decision.resource.id),
      release: () => {
        if (released) return;
        released = true;
        pool!.give(channel);
        this.wake();
      },
    };
  }

  private pool(resource: Resource): ChannelPool {
    let pool = this.pools.get(resource.id);
    if (!pool || pool.size !== resource.channels) {
      const replaced = pool;
      pool = new ChannelPool(resource.channels);
      // A resized pool keeps its busy channels busy until they are given back.
      for (let i = 0; replaced && i < Math.min(replaced.inUse, pool.size); i++) pool.take();
      this.pools.set(resource.id, pool);
    }
    return pool;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      do {
        this.again = false;
        await this.round();
      } while (this.again && !this.stopped);
    } catch (err) {
      this.deps.observer?.error?.(err, 'dispatcher round');
    } finally {
      this.running = false;
      this.schedule(this.options.pollMs);
    }
  }

  private async round(): Promise<void> {
    const now = new Date();
    for (const expired of await this.deps.deliveries.expireDue(now.toISOString()))
      await this.finish(expired, 'E');
    for (const failed of await this.deps.deliveries.receiptsOverdue(
      now.toISOString(),
      'the network sent no delivery receipt in time',
    ))
      await this.finish(failed, 'F');
    const resources = (await this.deps.resources.listResources()).filter(
      (r) => r.status === 'A' && this.deps.implementations.has(r.type),
    );
    // Claim no more than there are free channels, and at least one so that deliveries nothing
    // can carry are found and held.
    const free = resources.reduce((n, r) => n + Math.max(0, r.channels - this.pool(r).inUse), 0);
    const limit = Math.min(this.options.batch, Math.max(1, free));
    const claimed = await this.deps.deliveries.claim(
      this.options.owner,
      limit,
      now.toISOString(),
      new Date(now.getTime() + this.options.leaseMs).toISOString(),
    );
    for (const delivery of claimed) {
      const work = this.attempt(delivery, resources).catch((err) =>
        this.deps.observer?.error?.(err, `delivery ${delivery.id}`),
      );
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }
    if (claimed.length === limit && free > claimed.length) this.again = true;
  }

  private async attempt(delivery: Delivery, resources: Resource[]): Promise<void> {
    const now = new Date();
    const settle = (
      status: DeliveryStatus,
      change: Parameters<DeliveryStore['settle']>[2] extends infer C
        ? Omit<C & object, 'status'>
        : never,
    ) => this.deps.deliveries.settle(delivery.id, this.options.owner, { status, ...change });

    if (delivery.expiresAt && delivery.expiresAt <= now.toISOString()) {
      if (
        await settle('E', {
          finishedAt: now.toISOString(),
          lastError: 'expired before it could be sent',
        })
      )
        await this.finish({ ...delivery, status: 'E' }, 'E');
      return;
    }
    const decision = route(
      delivery,
      resources,
      (r) => this.pool(r).inUse,
      (t) => this.deps.implementations.has(t),
    );
    if (decision.kind === 'none') {
      await settle('H', { holdReason: 'no-resource', lastError: decision.reason });
      this.deps.observer?.held?.(delivery, decision.reason);
      return;
    }
    if (decision.kind === 'busy') {
      // Not an attempt: give the count back.
      await settle('R', {
        nextAttemptAt: new Date(now.getTime() + 50).toISOString(),
        attempts: delivery.attempts - 1,
      });
      return;
    }
    const { resource, rate } = decision;
    // The channel is taken before the first await, so a round that starts meanwhile sees it busy
    // and never claims more deliveries than there are channels.
    const pool = this.pool(resource);
    const channel = pool.take();
    if (channel === null) {
      await settle('R', {
        nextAttemptAt: new Date(now.getTime() + 50).toISOString(),
        attempts: delivery.attempts - 1,
      });
      return;
    }
    let outcome: SendOutcome;
    const started = new Date();
    try {
      const message = await this.deps.messages.find(delivery.messageId);
      const refusal = message
        ? await this.refusal(delivery, resource, rate, now)
        : 'the message was deleted before it could be sent';
      if (refusal || !message) {
        const errorLog = [
          ...delivery.errorLog,
          {
            at: now.toISOString(),
            attempt: delivery.attempts,
            resource: resource.name,
            error: refusal!,
          },
        ];
        if (
          await settle('F', {
            finishedAt: now.toISOString(),
            lastError: refusal,
            errorLog,
            resourceId: resource.id,
          })
        )
          await this.finish({ ...delivery, status: 'F', errorLog, lastError: refusal }, 'F');
        return;
      }
      const implementation = this.deps.implementations.get(resource.type)!;
      outcome = await implementation.send({
        delivery,
        message,
        resource,
        secret: await this.deps.resources.resourceSecret(resource.id),
        part: (index) => {
          const part = message.parts.find((p) => p.index === index);
          if (!part) throw new Error(`no part ${index}`);
          return this.deps.blobs.get(part.sha256);
        },
        partLink: (index) => this.deps.partLink(message.id, index),
        messageLink: () => this.deps.messageLink?.(message.id) ?? null,
        noticeCode: async () =>
          delivery.subscriberId && this.deps.noticeCode
            ? this.deps.noticeCode(delivery.subscriberId, message.id)
            : null,
        rendition: (index, format) => {
          if (!this.deps.rendition) throw new Error('this server converts nothing');
          return this.deps.rendition(message, index, format);
        },
      });
    } catch (err) {
      outcome = {
        result: 'retry',
        error: `resource ${resource.name} failed: ${(err as Error).message}`,
      };
    } finally {
      pool.give(channel);
      this.wake();
    }
    const ended = new Date();
    this.deps.observer?.attempt?.(delivery, resource, outcome);
    const units = outcome.result === 'sent' ? (outcome.units ?? 1) : 0;
    await this.deps.cdrs.insertCdr({
      id: newId(),
      deliveryId: delivery.id,
      subscriberId: delivery.subscriberId,
      resourceId: resource.id,
      destination: delivery.recipient,
      attempt: delivery.attempts,
      result: outcome.result,
      unit: outcome.result === 'sent' ? (outcome.unit ?? 'message') : 'message',
      units,
      rateMicros: rate.priceMicros,
      costMicros: units * rate.priceMicros,
      currency: resource.currency,
      startedAt: started.toISOString(),
      endedAt: ended.toISOString(),
    });
    // A failure at the destination says nothing about the resource: it neither counts nor resets.
    const failures =
      outcome.result !== 'sent' && outcome.remote
        ? 0
        : await this.deps.resources.recordResourceResult(resource.id, outcome.result === 'sent');
    if (outcome.result !== 'sent' && failures >= this.options.failureLimit) {
      const reason = `${failures} attempts in a row failed; last: ${outcome.error}`;
      const disabled = await this.deps.resources.updateResource(resource.id, {
        status: 'I',
        statusReason: reason,
      });
      if (disabled) this.deps.observer?.resourceDisabled?.(disabled, reason);
    }

    const at = ended.toISOString();
    if (outcome.result === 'sent' && outcome.awaitReceiptMs) {
      await settle('A', {
        nextAttemptAt: new Date(ended.getTime() + outcome.awaitReceiptMs).toISOString(),
        resourceId: resource.id,
        lastError: null,
      });
      return;
    }
    if (outcome.result === 'sent') {
      if (await settle('S', { finishedAt: at, resourceId: resource.id, lastError: null }))
        await this.finish({ ...delivery, status: 'S', resourceId: resource.id }, 'S', {
          units,
          unit: outcome.unit ?? 'message',
          ...(outcome.remoteId !== undefined ? { remoteId: outcome.remoteId } : {}),
          ...(outcome.seconds !== undefined ? { seconds: outcome.seconds } : {}),
        });
      return;
    }
    const errorLog = [
      ...delivery.errorLog,
      { at, attempt: delivery.attempts, resource: resource.name, error: outcome.error },
    ];
    if (outcome.result === 'retry' && delivery.attempts < delivery.maxAttempts) {
      const wait = backoffMs(delivery.attempts, this.options.retryBaseMs, this.options.retryMaxMs);
      await settle('D', {
        nextAttemptAt: new Date(ended.getTime() + wait).toISOString(),
        errorLog,
        lastError: outcome.error,
        resourceId: resource.id,
      });
      return;
    }
    if (
      await settle('F', {
        finishedAt: at,
        errorLog,
        lastError: outcome.error,
        resourceId: resource.id,
      })
    )
      await this.finish({ ...delivery, status: 'F', errorLog, lastError: outcome.error }, 'F');
  }

  /** Why the account may not pay for this delivery (inactive, over its spend limit), or null. */
  private async refusal(
    delivery: Delivery,
    resource: Resource,
    rate: Rate,
    now: Date,
  ): Promise<string | null> {
    if (delivery.subscriberId && delivery.kind === 'message') {
      if (!(await this.deps.accountActive(delivery.subscriberId)))
        return 'the sender’s account is not active';
      const refusal = await spendRefusal(
        this.deps.cdrs,
        delivery.subscriberId,
        rate,
        resource.currency,
        now,
      );
      if (refusal) return refusal;
    }
    return null;
  }

  private async finish(
    delivery: Delivery,
    status: 'S' | 'F' | 'E',
    sent?: SentUsage,
  ): Promise<void> {
    const seconds = (Date.now() - Date.parse(delivery.createdAt)) / 1000;
    this.deps.observer?.finished?.(delivery, status, seconds);
    if (wantsReceipt(delivery)) {
      try {
        await this.deps.receipt(delivery, status, sent);
      } catch (err) {
        this.deps.observer?.error?.(err, `receipt for delivery ${delivery.id}`);
      }
    }
  }
}
