import type { DeliveryStatus } from './delivery.js';

/**
 * SMS as people see them on a phone: one conversation per other party's number, the texts both
 * ways in one thread. Received ones come from the mailbox's folders, sent ones from `sent`.
 */

/** How far a sent text got, in the words a phone uses. */
export type SentStatus = 'sending' | 'sent' | 'delivered' | 'failed';

export interface ConversationSummary {
  /** The other party's address (`tel:+...`). */
  party: string;
  lastMessageId: string;
  lastAt: string;
  lastDirection: 'in' | 'out';
  total: number;
  unread: number;
  /** The blob of the last message's text part, if it has one. */
  textSha256: string | null;
}

export interface ThreadEntry {
  id: string;
  direction: 'in' | 'out';
  createdAt: string;
  read: boolean;
  /** The blob of its text part, if it has one. */
  textSha256: string | null;
  /** Sent texts only: the statuses of its deliveries (none when it went to a local mailbox). */
  deliveries: Array<{ status: DeliveryStatus; lastError: string | null }> | null;
}

/** Conversations grouped in the database, so a long history is never loaded to be counted. */
export interface ConversationStore {
  /** Newest conversation first. Trash and junk are left out. */
  conversations(mailboxId: string, type: string, limit: number): Promise<ConversationSummary[]>;
  /** Newest first; `before` is a message id from a previous page. */
  thread(
    mailboxId: string,
    type: string,
    party: string,
    options: { before?: string; limit: number },
  ): Promise<ThreadEntry[]>;
}

/**
 * One status for a sent text. The delivery codes of seed 001 mapped to what a sender cares
 * about: handed to the SMSC and waiting for its receipt (A) is "sent", the receipt's "delivered"
 * (S) is "delivered". No delivery means a local recipient: it is in their mailbox already.
 */
export function sentStatus(
  deliveries: ReadonlyArray<{ status: DeliveryStatus }> | null,
): SentStatus {
  if (!deliveries || deliveries.length === 0) return 'delivered';
  const statuses = deliveries.map((d) => d.status);
  if (statuses.some((s) => s === 'F' || s === 'E')) return 'failed';
  if (statuses.every((s) => s === 'S')) return 'delivered';
  if (statuses.every((s) => s === 'A' || s === 'S')) return 'sent';
  return 'sending';
}
