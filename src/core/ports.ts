import type { Message, MessagePatch, MessageQuery, Part } from './message.js';
import type { IngestRecord, IngestResult, StagedBlob } from './ingest.js';
import type { Credentials, NewSubscriber, Subscriber, SubscriberPatch } from './subscriber.js';

/** Content-addressed bytes: the key is the sha256 of the plaintext. */
export interface BlobStore {
  /** Stores the bytes durably (synced) and returns their sha256. Idempotent. */
  put(data: Buffer): Promise<{ sha256: string; size: number }>;
  /** Prepares bytes for `MessageStore.commitIngest`, which records them with the message. */
  stage(data: Buffer): Promise<StagedBlob>;
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
}

export interface SubscriberStore {
  create(
    input: NewSubscriber & Required<Pick<NewSubscriber, 'language' | 'timeZone' | 'currency'>>,
  ): Promise<Subscriber>;
  get(id: string): Promise<Subscriber | null>;
  findByAddress(uri: string): Promise<Subscriber | null>;
  list(options: { limit: number; after?: string }): Promise<Subscriber[]>;
  update(id: string, patch: SubscriberPatch): Promise<Subscriber>;
  delete(id: string): Promise<boolean>;
  getCredentials(id: string): Promise<Credentials | null>;
  setCredentials(id: string, credentials: Partial<Credentials>): Promise<void>;
  /** Wrong phone PINs counted, and until when the mailbox is locked (null: it is not). */
  pinLockout(id: string): Promise<{ failures: number; lockedUntil: string | null }>;
  /** Counts a wrong PIN; the one that makes `max` locks the mailbox until `lockUntil`. */
  recordPinFailure(id: string, max: number, now: string, lockUntil: string): Promise<void>;
  clearPinFailures(id: string): Promise<void>;
}

export interface Session {
  tokenHash: string;
  subscriberId: string;
  createdAt: string;
  expiresAt: string;
}

export interface SessionStore {
  createSession(session: Session): Promise<void>;
  findSession(tokenHash: string): Promise<Session | null>;
  deleteSession(tokenHash: string): Promise<void>;
}

export interface MessageStore {
  /**
   * Commits many arriving messages in one transaction (group commit). Each record succeeds or
   * fails on its own: a full mailbox refuses one message without failing its neighbours.
   */
  commitIngest(records: IngestRecord[]): Promise<Array<IngestResult | Error>>;
  list(mailboxId: string, query: MessageQuery): Promise<Message[]>;
  get(mailboxId: string, id: string): Promise<Message | null>;
  /** Any mailbox's message, for the delivery queue; never for a subscriber's request. */
  find(id: string): Promise<Message | null>;
  update(
    mailboxId: string,
    id: string,
    patch: MessagePatch & { previousFolder?: string | null },
  ): Promise<Message | null>;
  markAccessed(mailboxId: string, id: string, at: string): Promise<void>;
  /** Message and unread counts per folder. */
  folderCounts(
    mailboxId: string,
  ): Promise<Array<{ folder: string; total: number; unread: number }>>;
  /** Removes the message for good and gives its size back to the quota. */
  purge(mailboxId: string, id: string): Promise<boolean>;
  /**
   * Messages past their time: their own expiry, or older than their mailbox's retention (days).
   * Oldest first, at most `limit`.
   */
  expired(now: string, limit: number): Promise<Array<{ mailboxId: string; id: string }>>;
  /** Deliveries recorded for external recipients, oldest first (read by the queue). */
  listDeliveries(options: { messageId?: string; status?: string; limit: number }): Promise<
    Array<{
      id: string;
      messageId: string;
      recipient: string;
      status: string;
      priority: string;
      createdAt: string;
    }>
  >;
  ping(): Promise<void>;
  /** Inbox messages counted by type, read state and urgency: what message-waiting lights show. */
  waitingCounts(
    mailboxId: string,
  ): Promise<Array<{ type: string; read: boolean; urgent: boolean; count: number }>>;
  /** Adds a rendition made from one of the message's parts; null when the message is gone. */
  addPart(
    mailboxId: string,
    messageId: string,
    part: {
      contentType: string;
      filename: string | null;
      derivedFrom: number;
      converter: string;
      searchText?: string;
    },
    blob: StagedBlob,
  ): Promise<Part | null>;
}

/**
 * Turns content into another format (the media conversion graph). Failures are SwitchboardErrors:
 * not-acceptable when no chain exists, too-large past a limit, invalid for bad input.
 */
export interface MediaConverter {
  /** The canonical format (also a rendition's content type), or null when unknown. */
  key(format: string): string | null;
  convert(
    content: Buffer,
    contentType: string,
    format: string,
    options: { language?: string },
  ): Promise<{ content: Buffer; format: string; converter: string }>;
}

export interface BusEvent {
  type: string;
  [key: string]: unknown;
}

/** Live notifications between parts of the system (in-process now, NATS when scaled out). */
export interface Bus {
  publish(topic: string, event: BusEvent): void;
  subscribe(topic: string, handler: (event: BusEvent) => void): () => void;
}
