import { forbidden, invalid, notFound } from './errors.js';
import {
  isSystemFolder,
  isValidFolderName,
  type Message,
  type MessagePatch,
  type MessageQuery,
  type Part,
} from './message.js';
import { toDocument, type MessageDocument } from './message-document.js';
import type { BlobStore, Bus, MessageStore } from './ports.js';

/**
 * A subscriber's view of their mailbox: read, move, delete and restore, fetch parts, export. Every
 * call is scoped by the mailbox id, so one subscriber can never reach another's messages.
 */
export class MailboxService {
  constructor(
    private readonly messages: MessageStore,
    private readonly blobs: BlobStore,
    private readonly bus: Bus,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  list(mailboxId: string, query: MessageQuery): Promise<Message[]> {
    return this.messages.list(mailboxId, query);
  }

  folders(mailboxId: string) {
    return this.messages.folderCounts(mailboxId);
  }

  async get(mailboxId: string, id: string): Promise<Message> {
    const message = await this.messages.get(mailboxId, id);
    if (!message) throw notFound(`no message ${id} in this mailbox`);
    const accessedAt = this.now();
    await this.messages.markAccessed(mailboxId, id, accessedAt);
    return { ...message, accessedAt };
  }

  async part(
    mailboxId: string,
    id: string,
    index: number,
  ): Promise<{ part: Part; content: Buffer }> {
    const message = await this.messages.get(mailboxId, id);
    const part = message?.parts.find((p) => p.index === index);
    if (!message || !part) throw notFound(`no part ${index} of message ${id} in this mailbox`);
    await this.messages.markAccessed(mailboxId, id, this.now());
    return { part, content: await this.blobs.get(part.sha256) };
  }

  async update(mailboxId: string, id: string, patch: MessagePatch): Promise<Message> {
    const message = await this.messages.get(mailboxId, id);
    if (!message) throw notFound(`no message ${id} in this mailbox`);
    let previousFolder: string | null | undefined;
    if (patch.folder !== undefined && patch.folder !== message.folder) {
      if (!isSystemFolder(patch.folder) && !isValidFolderName(patch.folder))
        throw invalid(
          `"${patch.folder}" is not a valid folder name (letters, digits, space, _ . -; at most 64)`,
        );
      if (patch.folder === 'sent') throw forbidden('messages cannot be moved into sent');
      previousFolder = patch.folder === 'trash' ? message.folder : null;
    }
    const updated = await this.messages.update(mailboxId, id, { ...patch, previousFolder });
    this.bus.publish(`mailbox.${mailboxId}`, {
      type: 'message.updated',
      messageId: id,
      folder: updated!.folder,
      read: updated!.read,
    });
    return updated!;
  }

  /** Deleting moves to trash; deleting from trash (or with `permanent`) removes for good. */
  async delete(mailboxId: string, id: string, permanent = false): Promise<'trashed' | 'purged'> {
    const message = await this.messages.get(mailboxId, id);
    if (!message) throw notFound(`no message ${id} in this mailbox`);
    if (permanent || message.folder === 'trash') {
      await this.messages.purge(mailboxId, id);
      this.bus.publish(`mailbox.${mailboxId}`, { type: 'message.deleted', messageId: id });
      return 'purged';
    }
    await this.update(mailboxId, id, { folder: 'trash' });
    return 'trashed';
  }

  async restore(mailboxId: string, id: string): Promise<Message> {
    const message = await this.messages.get(mailboxId, id);
    if (!message) throw notFound(`no message ${id} in this mailbox`);
    if (message.folder !== 'trash') throw invalid('only a message in trash can be restored');
    return this.update(mailboxId, id, { folder: message.previousFolder ?? 'inbox' });
  }

  async export(mailboxId: string, id: string): Promise<MessageDocument> {
    const message = await this.messages.get(mailboxId, id);
    if (!message) throw notFound(`no message ${id} in this mailbox`);
    const contents = await Promise.all(message.parts.map((p) => this.blobs.get(p.sha256)));
    return toDocument(message, contents);
  }
}
