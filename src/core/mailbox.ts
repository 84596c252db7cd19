import { forbidden, invalid, notFound, SwitchboardError } from './errors.js';
import {
  isSystemFolder,
  isValidFolderName,
  type Message,
  type MessagePatch,
  type MessageQuery,
  type Part,
} from './message.js';
import { toDocument, type MessageDocument } from './message-document.js';
import type { BlobStore, Bus, MediaConverter, MessageStore } from './ports.js';

/** The bus topic of first reads in any mailbox: `{ mailboxId, messageId, messageType }`. */
export const READ_TOPIC = 'mailboxes.read';

/**
 * A subscriber's view of their mailbox: read, move, delete and restore, fetch parts, export. Every
 * call is scoped by the mailbox id, so one subscriber can never reach another's messages.
 */
export class MailboxService {
  /** Renditions being made now, so that two requests for the same one make it once. */
  private readonly making = new Map<string, Promise<{ part: Part; content: Buffer }>>();

  constructor(
    private readonly messages: MessageStore,
    private readonly blobs: BlobStore,
    private readonly bus: Bus,
    private readonly now: () => string = () => new Date().toISOString(),
    private readonly media: MediaConverter | null = null,
  ) {}

  /**
   * A part in another format: made once by the conversion graph, kept with the message as a
   * derived part (recording its source and converter), and served from there afterwards.
   */
  async rendition(
    mailboxId: string,
    id: string,
    index: number,
    format: string,
    language = 'en',
  ): Promise<{ part: Part; content: Buffer }> {
    const message = await this.messages.get(mailboxId, id);
    const source = message?.parts.find((p) => p.index === index);
    if (!message || !source) throw notFound(`no part ${index} of message ${id} in this mailbox`);
    if (!this.media) throw new SwitchboardError('not-acceptable', 'this server converts nothing');
    const key = this.media.key(format);
    if (!key)
      throw new SwitchboardError(
        'not-acceptable',
        `unknown format "${format}"; see GET /api/v1/formats`,
      );
    if (this.media.key(source.contentType) === key) return this.part(mailboxId, id, index);
    const cached = message.parts.find((p) => p.derivedFrom === index && p.contentType === key);
    if (cached) return this.part(mailboxId, id, cached.index);
    const job = `${id}/${index}/${key}`;
    let making = this.making.get(job);
    if (!making) {
      making = this.make(mailboxId, message.id, source, key, language).finally(() =>
        this.making.delete(job),
      );
      this.making.set(job, making);
    }
    return making;
  }

  private async make(
    mailboxId: string,
    messageId: string,
    source: Part,
    key: string,
    language: string,
  ): Promise<{ part: Part; content: Buffer }> {
    const original = await this.blobs.get(source.sha256);
    const made = await this.media!.convert(original, source.contentType, key, { language });
    const staged = await this.blobs.stage(made.content);
    const part = await this.messages.addPart(
      mailboxId,
      messageId,
      {
        contentType: made.format,
        filename: null,
        derivedFrom: source.index,
        converter: made.converter,
        // Transcripts and OCR text make the message findable by what was said or faxed.
        searchText: made.format === 'text/plain' ? made.content.toString('utf8') : undefined,
      },
      staged,
    );
    if (!part) throw notFound(`message ${messageId} was deleted`);
    this.bus.publish(`mailbox.${mailboxId}`, {
      type: 'message.updated',
      messageId,
      rendition: part.index,
    });
    return { part, content: made.content };
  }

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
    // For whoever must learn of every first read, whatever the mailbox (the voice messenger's
    // played receipts), without watching each mailbox.
    if (!message.read && updated!.read)
      this.bus.publish(READ_TOPIC, {
        type: 'message.read',
        mailboxId,
        messageId: id,
        messageType: message.type,
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
