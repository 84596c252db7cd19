import { notFound } from './errors.js';
import type { MailboxService } from './mailbox.js';
import type { BlobStore } from './ports.js';
import {
  sentStatus,
  type ConversationStore,
  type SentStatus,
  type ThreadEntry,
} from './conversation.js';

/** A preview is a line in a list, not the whole text. */
const PREVIEW_CHARS = 160;
/** Marking a conversation read looks this far back; older unread texts are beyond anyone's view. */
const MARK_READ_DEPTH = 1000;

export interface ConversationView {
  party: string;
  lastMessageId: string;
  lastAt: string;
  lastDirection: 'in' | 'out';
  lastText: string;
  total: number;
  unread: number;
}

export interface ThreadMessage {
  id: string;
  direction: 'in' | 'out';
  createdAt: string;
  read: boolean;
  text: string;
  /** Sent texts: how far it got, and why it failed when it did. */
  status: SentStatus | null;
  error: string | null;
}

/**
 * A subscriber's conversations: grouped by the store, with the texts read from the blobs. Every
 * call is scoped by the mailbox id, like the mailbox itself.
 */
export class Conversations {
  constructor(
    private readonly store: ConversationStore,
    private readonly blobs: BlobStore,
    private readonly mailbox: MailboxService,
  ) {}

  private async text(sha256: string | null): Promise<string> {
    return sha256 ? (await this.blobs.get(sha256)).toString('utf8') : '';
  }

  async list(mailboxId: string, type: string, limit: number): Promise<ConversationView[]> {
    const rows = await this.store.conversations(mailboxId, type, limit);
    return Promise.all(
      rows.map(async ({ textSha256, ...row }) => ({
        ...row,
        lastText: (await this.text(textSha256)).slice(0, PREVIEW_CHARS),
      })),
    );
  }

  /** Oldest first, as a thread reads; `before` pages back to older texts. */
  async thread(
    mailboxId: string,
    type: string,
    party: string,
    options: { before?: string; limit: number },
  ): Promise<ThreadMessage[]> {
    const rows = await this.store.thread(mailboxId, type, party, options);
    const out = await Promise.all(rows.map((r) => this.entry(r)));
    return out.reverse();
  }

  private async entry(r: ThreadEntry): Promise<ThreadMessage> {
    const failed = r.deliveries?.find((d) => d.status === 'F' || d.status === 'E');
    return {
      id: r.id,
      direction: r.direction,
      createdAt: r.createdAt,
      read: r.read,
      text: await this.text(r.textSha256),
      status: r.direction === 'out' ? sentStatus(r.deliveries) : null,
      error: failed ? (failed.lastError ?? 'not delivered') : null,
    };
  }

  /** Marks every received text from the party read; answers how many changed. */
  async markRead(mailboxId: string, type: string, party: string): Promise<number> {
    const rows = await this.store.thread(mailboxId, type, party, { limit: MARK_READ_DEPTH });
    const unread = rows.filter((r) => r.direction === 'in' && !r.read);
    if (rows.length === 0) throw notFound(`no conversation with ${party} in this mailbox`);
    // Through the mailbox, so every open view hears of each change.
    for (const r of unread) await this.mailbox.update(mailboxId, r.id, { read: true });
    return unread.length;
  }
}
