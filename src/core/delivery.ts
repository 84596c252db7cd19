import type { Message } from './message.js';

/**
 * Delivery statuses of seed 001: P pending, H on hold, D deferred, R ready, X exchanged (handed
 * to a resource, not yet acknowledged), A acknowledged, S sent; F failed and E expired end it.
 */
export const DELIVERY_STATUSES = ['P', 'H', 'D', 'R', 'X', 'A', 'S', 'F', 'E'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const FINAL_STATUSES: readonly DeliveryStatus[] = ['S', 'F', 'E'];

export const PRIORITIES = ['low', 'normal', 'high'] as const;
export type Priority = (typeof PRIORITIES)[number];
/** Lower rank is served first. */
export const PRIORITY_RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

export type DeliveryKind = 'message' | 'notification';

export interface Delivery {
  id: string;
  messageId: string;
  kind: DeliveryKind;
  recipient: string;
  status: DeliveryStatus;
  priority: Priority;
  /** The subscriber who sent it (billed, gets the receipt), or who is being notified. */
  subscriberId: string | null;
  messageType: string | null;
  /** A resource type this delivery must use (a notification rule's channel), or any. */
  channel: string | null;
  scheduledAt: string | null;
  expiresAt: string | null;
  nextAttemptAt: string | null;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseUntil: string | null;
  resourceId: string | null;
  holdReason: string | null;
  lastError: string | null;
  errorLog: Array<{ at: string; attempt: number; resource: string | null; error: string }>;
  /** Extra data for the resource: a notification's text. */
  payload: Record<string, unknown> | null;
  receipt: boolean;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** A destination prefix and its price per unit, in millionths of the resource's currency. */
export interface Rate {
  prefix: string;
  priceMicros: number;
}

export type ResourceStatus = 'A' | 'I';

/** An outbound resource (seed 001): where deliveries leave the system. */
export interface Resource {
  id: string;
  name: string;
  type: string;
  /** Message types it carries; '*' for all. */
  messageTypes: string[];
  formats: string[];
  status: ResourceStatus;
  statusReason: string | null;
  channels: number;
  rates: Rate[];
  currency: string;
  /** Type-specific settings, e.g. a webhook's url and timeout. */
  config: Record<string, unknown>;
  hasSecret: boolean;
  consecutiveFailures: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewResource {
  name: string;
  type: string;
  messageTypes?: string[];
  formats?: string[];
  status?: ResourceStatus;
  channels?: number;
  rates?: Rate[];
  currency?: string;
  config?: Record<string, unknown>;
  secret?: string | null;
}

export type ResourcePatch = Partial<NewResource> & { statusReason?: string | null };

/** A call detail record: one attempt, what it used and what it cost. */
export interface Cdr {
  id: string;
  deliveryId: string;
  subscriberId: string | null;
  resourceId: string;
  destination: string;
  attempt: number;
  result: 'sent' | 'retry' | 'failed';
  unit: string;
  units: number;
  rateMicros: number;
  costMicros: number;
  currency: string;
  startedAt: string;
  endedAt: string;
}

/**
 * What a resource reports after an attempt. `remote` says the trouble lay with the destination
 * (a recipient's mail servers, an unknown recipient), not with the resource: it does not count
 * towards taking the resource out of service, or one dead domain could stop mail to every other.
 */
export type SendOutcome =
  | {
      result: 'sent';
      units?: number;
      unit?: string;
      detail?: string;
      /** A fax: the receiving machine's station id, and the call's length in seconds. */
      remoteId?: string;
      seconds?: number;
      /**
       * Handed on, and the network's own receipt is awaited for this long (an SMSC's delivery
       * receipt): the delivery waits as A, becomes S when the receipt says delivered, F when it
       * says failed, and is tried again when none comes in time.
       */
      awaitReceiptMs?: number;
    }
  | { result: 'retry'; error: string; remote?: boolean }
  | { result: 'failed'; error: string; remote?: boolean };

/** What a resource is handed: the delivery, its message with part contents, and a signing secret. */
export interface SendRequest {
  delivery: Delivery;
  message: Message;
  /** Part bytes, or a signed link where a part is too large to send inline. */
  part(index: number): Promise<Buffer>;
  partLink(index: number): string;
  /** A signed web link that opens the message without signing in (for notices). */
  messageLink(): string | null;
  /**
   * A notice's code for its message (SMS replies, the message link number) and the number to
   * dial to hear it (the link number followed by the code; null without a link number).
   */
  noticeCode(): Promise<{ code: string; call: string | null } | null>;
  /** A part in another format (a recording as MP3, a fax as PDF), made once and kept with it. */
  rendition(index: number, format: string): Promise<Buffer>;
  resource: Resource;
  secret: string | null;
}

/** An outbound resource implementation; every network plugs in as one of these. */
export interface OutboundResource {
  readonly type: string;
  send(request: SendRequest): Promise<SendOutcome>;
}

export function priceToMicros(price: number): number {
  return Math.round(price * 1_000_000);
}

export function microsToPrice(micros: number): number {
  return micros / 1_000_000;
}
