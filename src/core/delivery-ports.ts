import type {
  Cdr,
  Delivery,
  DeliveryStatus,
  NewResource,
  Resource,
  ResourcePatch,
} from './delivery.js';
import type { DeliveryRecord } from './ingest.js';

export interface DeliveryQuery {
  status?: DeliveryStatus;
  messageId?: string;
  subscriberId?: string;
  kind?: string;
  limit: number;
  after?: string;
}

/** The delivery queue's persistence: shared safely by several processes on PostgreSQL. */
export interface DeliveryStore {
  /**
   * Claims up to `limit` due deliveries, highest priority and oldest first, and leases them to
   * `owner` until `leaseUntil`; deliveries whose lease ran out (their process died) are due again.
   */
  claim(owner: string, limit: number, now: string, leaseUntil: string): Promise<Delivery[]>;
  /** Ends deliveries whose expiry passed before they were sent; returns them for receipts. */
  expireDue(now: string): Promise<Delivery[]>;
  /** Records the outcome of the attempt that `owner` leased; false when the lease was lost. */
  settle(
    id: string,
    owner: string,
    change: {
      status: DeliveryStatus;
      nextAttemptAt?: string | null;
      resourceId?: string | null;
      holdReason?: string | null;
      /** The whole error log after this attempt (the worker holds the delivery it claimed). */
      errorLog?: Delivery['errorLog'];
      lastError?: string | null;
      /** Set when a claim turned out not to be an attempt (no free channel). */
      attempts?: number;
      finishedAt?: string | null;
    },
  ): Promise<boolean>;
  /**
   * A report that arrives after the attempt, such as a DSN: appends it to the error log (under
   * the delivery's last attempt), and with `fail` ends a delivery that had been handed on (X, A
   * or S) as F. Gives the delivery as it is now and whether this call failed it; null when there
   * is no such delivery.
   */
  recordLateReport(
    id: string,
    report: { at: string; resource: string | null; error: string },
    fail: boolean,
  ): Promise<{ delivery: Delivery; failed: boolean } | null>;
  /** Deliveries made outside intake (what an SMS reply asks for): pending, due now. */
  enqueue(records: Array<DeliveryRecord & { messageId: string }>): Promise<void>;
  /**
   * The receipt a resource waited for (status A) came and says delivered: A becomes S. Null when
   * the delivery is not waiting (already ended, or tried again meanwhile).
   */
  confirmDelivered(id: string, now: string): Promise<Delivery | null>;
  /**
   * Deliveries whose receipt did not come in time (A past its `nextAttemptAt`): tried again
   * while attempts remain (R), else failed (F) with `error`; gives the failed ones.
   */
  receiptsOverdue(now: string, error: string): Promise<Delivery[]>;
  get(id: string): Promise<Delivery | null>;
  list(query: DeliveryQuery): Promise<Delivery[]>;
  /** Operator actions; only from statuses where they make sense. */
  retry(id: string, now: string): Promise<Delivery | null>;
  hold(id: string, reason: string): Promise<Delivery | null>;
  /** Puts deliveries held for want of a resource back to ready. */
  releaseHeld(reason: string, now: string): Promise<number>;
  countByStatus(): Promise<Array<{ status: string; count: number }>>;
  /**
   * Unfinished deliveries (P, H, D, R, X, A) per resource and status: how much work waits on or
   * runs through each resource. resourceId is null for work no resource has taken yet.
   */
  countOpenByResource(): Promise<
    Array<{ resourceId: string | null; status: string; count: number }>
  >;
  /** Deliveries in flight (X) per resource, across all processes. */
  inFlightByResource(): Promise<Map<string, number>>;
}

export interface ResourceStore {
  /** The secret is stored sealed (AES-256-GCM with the blob keys) and never shown again. */
  createResource(input: NewResource): Promise<Resource>;
  updateResource(id: string, patch: ResourcePatch): Promise<Resource | null>;
  getResource(id: string): Promise<Resource | null>;
  findResourceByName(name: string): Promise<Resource | null>;
  listResources(): Promise<Resource[]>;
  resourceSecret(id: string): Promise<string | null>;
  /** Counts a failure (returns the new count) or resets the count after a success. */
  recordResourceResult(id: string, ok: boolean): Promise<number>;
}

export interface CdrQuery {
  subscriberId?: string;
  from?: string;
  to?: string;
  limit: number;
}

export interface CdrStore {
  insertCdr(cdr: Cdr): Promise<void>;
  listCdrs(query: CdrQuery): Promise<Cdr[]>;
  /** What a subscriber spent since a time, per currency. */
  spentSince(subscriberId: string, since: string): Promise<Map<string, number>>;
  /** What all attempts on resources of one type (e.g. every call placed) cost since a time, per currency. */
  spentOnTypeSince(resourceType: string, since: string): Promise<Map<string, number>>;
  spendLimit(subscriberId: string): Promise<number | null>;
}

/** One part a resource handed to an SMSC, kept to match the SMSC's delivery receipt to it. */
export interface SmsSubmission {
  resourceId: string;
  /** The id the SMSC gave (submit_sm_resp), lower case without leading zeros. */
  smscId: string;
  deliveryId: string;
  part: number;
  parts: number;
  status: 'sent' | 'delivered' | 'failed';
  error: string | null;
  createdAt: string;
}

export interface SmsSubmissionStore {
  /** Records an attempt's parts, replacing the parts of the delivery's earlier attempts. */
  recordSubmissions(
    rows: Array<Pick<SmsSubmission, 'resourceId' | 'smscId' | 'deliveryId' | 'part' | 'parts'>>,
  ): Promise<void>;
  /**
   * Marks the part an SMSC receipt is about (its id in any of the forms given) and gives all the
   * parts of its delivery as they are now; null when no part has any of those ids.
   */
  markSubmission(
    resourceId: string,
    smscIds: string[],
    status: 'delivered' | 'failed',
    error: string | null,
  ): Promise<SmsSubmission[] | null>;
}

/** The short code of a notice: what SMS replies and the message link number name a message by. */
export interface NoticeCode {
  code: string;
  subscriberId: string;
  messageId: string;
  createdAt: string;
}

export interface NoticeCodeStore {
  /** A new code for the message (digits, unique among codes not yet expired). */
  issueNoticeCode(subscriberId: string, messageId: string, now: string): Promise<string>;
  findNoticeCode(code: string): Promise<NoticeCode | null>;
  /** The newest notice code of a subscriber (a reply without a code means that one). */
  latestNoticeCode(subscriberId: string): Promise<NoticeCode | null>;
}
