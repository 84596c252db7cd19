import type { MessageType } from './message.js';
import type { NewSubscriber } from './subscriber.js';

/** What an arriving message looks like to intake, whatever network it came from. */
export interface Envelope {
  type: MessageType;
  from: string;
  to: string[];
  subject?: string | null;
  urgent?: boolean;
  /** When the message was created at its origin; defaults to now. */
  createdAt?: string;
  expiresAt?: string | null;
  durationMs?: number | null;
  pages?: number | null;
  /** The authenticated subscriber sending it, if any; gets a copy in `sent`. */
  senderId?: string;
  /** Retried submissions with the same key do not create a second message. */
  idempotencyKey?: string;
  /** Import restores read state and folder; normal arrivals are unread in the inbox. */
  read?: boolean;
  folder?: string;
  /** Delivery priority for outside recipients; urgent messages default to high. */
  priority?: 'low' | 'normal' | 'high';
  /** Not delivered outside before this time. */
  scheduledAt?: string | null;
  /** Receipts and other system messages ask for none of their own. */
  receipt?: boolean;
  /** How the sending domain was verified (an RFC 8601 Authentication-Results value), for mail. */
  authResults?: string | null;
  /** Import and restore: store into this mailbox only, leaving `to` as the record of who it was for. */
  intoMailbox?: string;
  /**
   * With `intoMailbox`: notices about this message, committed with it (account notices such as
   * the welcome, which are messages of their own). Their messageId is the stored copy's.
   */
  notices?: DeliveryRecord[];
  /** System messages (account notices) are stored even in a full mailbox. */
  exemptFromQuota?: boolean;
}

export interface IncomingPart {
  contentType: string;
  filename?: string | null;
  disposition?: 'inline' | 'attachment';
  content: Buffer;
  /** For an imported rendition: the part it was made from and the converter that made it. */
  derivedFrom?: number | null;
  converter?: string | null;
}

/** A stored blob reference for a part, after the bytes are durable. */
export interface PartRecord {
  index: number;
  contentType: string;
  filename: string | null;
  disposition: 'inline' | 'attachment';
  size: number;
  sha256: string;
  derivedFrom: number | null;
  converter: string | null;
}

/** Which mailbox a copy goes to: an existing subscriber, or one to create (dynamic mailbox). */
export type MailboxTarget =
  | { kind: 'existing'; subscriberId: string; address: string }
  | { kind: 'dynamic'; address: string; profile: NewSubscriber };

export interface MailboxCopy {
  messageId: string;
  target: MailboxTarget;
  folder: string;
  read: boolean;
  /** Sent copies count towards the sender's usage but a full mailbox does not stop sending. */
  enforceQuota: boolean;
}

/** Something the delivery queue must carry: an external recipient or a notification (the queue's input). */
export interface DeliveryRecord {
  id: string;
  recipient: string;
  priority: 'low' | 'normal' | 'high';
  kind: 'message' | 'notification';
  /** The stored copy it carries: the given copy's id, else the sender's copy. */
  messageId?: string;
  /** Billed and told the outcome (the sender), or the subscriber being notified. */
  subscriberId: string | null;
  messageType: string;
  /** A resource type the delivery must use, e.g. a notification rule's channel. */
  channel: string | null;
  scheduledAt: string | null;
  expiresAt: string | null;
  /** Whether the sender gets a receipt when it ends. */
  receipt: boolean;
  payload?: Record<string, unknown> | null;
}
/** Everything one arriving message writes, committed in one transaction. */
export interface IngestRecord {
  envelope: Required<Pick<Envelope, 'type' | 'from' | 'to'>> & {
    subject: string | null;
    urgent: boolean;
    createdAt: string;
    expiresAt: string | null;
    durationMs: number | null;
    pages: number | null;
    authResults: string | null;
  };
  size: number;
  parts: PartRecord[];
  /** The parts' bytes, staged by the BlobStore before the batch commits. */
  blobs: StagedBlob[];
  /** Text to index for search (subject is indexed separately). */
  searchText: string;
  copies: MailboxCopy[];
  deliveries: DeliveryRecord[];
  /** Messages whose notice waits for a digest instead (see notify/rules.ts). */
  digestEntries?: DigestEntry[];
  /** The sender's message id carries idempotency: (sender, key) is unique. */
  idempotency: { subscriberId: string; key: string } | null;
}

/** A message listed in the next digest of one subscriber on one channel. */
export interface DigestEntry {
  id: string;
  subscriberId: string;
  channel: string;
  recipient: string;
  messageId: string;
  dueAt: string;
}

export interface IngestCopyResult {
  messageId: string;
  mailboxId: string;
  address: string;
  folder: string;
  createdMailbox: boolean;
}

export interface IngestResult {
  copies: IngestCopyResult[];
  deliveries: DeliveryRecord[];
  /** True when an earlier submission with the same idempotency key is being returned. */
  replayed: boolean;
}

/**
 * A blob made ready for an ingest transaction: large bytes already synced to their file, small
 * ones sealed for their database row. The transaction that records the message records the blob.
 */
export interface StagedBlob {
  sha256: string;
  size: number;
  readonly staged: unknown;
}
