import { parseAddress } from '../core/address.js';
import { invalid, SwitchboardError } from '../core/errors.js';
import type {
  DeliveryRecord,
  DigestEntry,
  Envelope,
  IncomingPart,
  IngestRecord,
  IngestResult,
  MailboxCopy,
  PartRecord,
} from '../core/ingest.js';
import { MESSAGE_TYPES } from '../core/message.js';
import type { BlobStore, Bus, MessageStore } from '../core/ports.js';
import type { Directory } from '../directory/directory.js';
import { Batcher } from '../lib/batcher.js';
import { newId } from '../lib/ids.js';
import { isoNow } from '../lib/time.js';
import { audioDurationMs } from '../media/duration.js';
import { documentPages } from '../media/pages.js';
import { planNotices } from '../notify/rules.js';
import { searchTextOf } from './search-text.js';

export interface IntakeLimits {
  maxMessageBytes: number;
  maxRecipients: number;
  maxParts: number;
}

export interface IntakeObserver {
  /** Called after each group commit with its size and duration. */
  committed?(messages: number, seconds: number): void;
  refused?(kind: string): void;
  /** After a message is committed: follow-up work such as transcription starts here. */
  stored?(result: IngestResult, record: IngestRecord): void;
}

/**
 * The one funnel every arriving message goes through, whatever its network: validate, resolve
 * recipients, write blobs, then one transaction for the message, its parts and what must be
 * delivered. The promise resolves only after that commit is on disk; only then may the channel
 * acknowledge to its peer.
 */
export class Intake {
  private readonly batcher: Batcher<IngestRecord, IngestResult>;

  constructor(
    private readonly directory: Directory,
    private readonly messages: MessageStore,
    private readonly blobs: BlobStore,
    private readonly bus: Bus,
    private readonly limits: IntakeLimits,
    private readonly observer: IntakeObserver = {},
    /** Measures a recording whose header does not say its length (WebM, MP3), by decoding it. */
    private readonly measure: (
      contentType: string,
      content: Buffer,
    ) => Promise<number | null> = async () => null,
  ) {
    this.batcher = new Batcher(async (records) => {
      const started = process.hrtime.bigint();
      const outcomes = await this.messages.commitIngest(records);
      this.observer.committed?.(records.length, Number(process.hrtime.bigint() - started) / 1e9);
      return outcomes.map((o) =>
        o instanceof Error ? { ok: false, error: o } : { ok: true, value: o },
      );
    });
  }

  get pending(): number {
    return this.batcher.pending;
  }

  async ingest(envelope: Envelope, parts: IncomingPart[]): Promise<IngestResult> {
    try {
      return await this.ingestOnce(envelope, parts);
    } catch (err) {
      // A dynamic mailbox created concurrently elsewhere: resolve again, now it exists.
      if (err instanceof SwitchboardError && err.kind === 'conflict')
        return this.ingestOnce(envelope, parts);
      if (err instanceof SwitchboardError) this.observer.refused?.(err.kind);
      throw err;
    }
  }

  private async ingestOnce(envelope: Envelope, parts: IncomingPart[]): Promise<IngestResult> {
    const record = await this.prepare(envelope, parts);
    const result = await this.batcher.submit(record);
    if (!result.replayed)
      for (const copy of result.copies)
        this.bus.publish(`mailbox.${copy.mailboxId}`, {
          type: 'message.created',
          messageId: copy.messageId,
          folder: copy.folder,
          messageType: record.envelope.type,
        });
    if (!result.replayed) this.observer.stored?.(result, record);
    return result;
  }

  private validate(envelope: Envelope, parts: IncomingPart[]): number {
    if (!MESSAGE_TYPES.includes(envelope.type))
      throw invalid(`unknown message type "${envelope.type}"`);
    if (envelope.to.length === 0) throw invalid('a message needs at least one recipient');
    if (envelope.to.length > this.limits.maxRecipients)
      throw invalid(`a message may have at most ${this.limits.maxRecipients} recipients`);
    if (parts.length > this.limits.maxParts)
      throw invalid(`a message may have at most ${this.limits.maxParts} parts`);
    if (envelope.subject && envelope.subject.length > 998)
      throw invalid('the subject is longer than 998 characters');
    const size = parts.reduce((sum, p) => sum + p.content.length, 0);
    if (size > this.limits.maxMessageBytes)
      throw new SwitchboardError(
        'too-large',
        `the message is ${size} bytes; the limit is ${this.limits.maxMessageBytes}`,
      );
    return size;
  }

  /**
   * The notices the recipients' rules ask for, committed with the message so that none is lost
   * and none is sent for a message that was not stored. A notice the subscriber wants as a
   * digest becomes a digest entry, committed the same way.
   */
  private async notices(
    envelope: Envelope,
    from: string,
    copies: MailboxCopy[],
    durationMs: number | null,
  ): Promise<{ deliveries: DeliveryRecord[]; digests: DigestEntry[] }> {
    const out: DeliveryRecord[] = [];
    const digests: DigestEntry[] = [];
    const now = new Date();
    for (const copy of copies) {
      if (copy.folder === 'sent' || copy.target.kind !== 'existing') continue;
      const owner = await this.directory.lookup(copy.target.subscriberId);
      if (!owner) continue;
      const message = {
        id: copy.messageId,
        type: envelope.type,
        from,
        subject: envelope.subject ?? null,
        urgent: envelope.urgent ?? false,
        durationMs,
        pages: envelope.pages ?? null,
      };
      for (const notice of planNotices(owner, message, now)) {
        if (notice.digestDueAt) {
          digests.push({
            id: newId(),
            subscriberId: owner.id,
            channel: notice.channel,
            recipient: notice.recipient,
            messageId: copy.messageId,
            dueAt: notice.digestDueAt,
          });
          continue;
        }
        out.push({
          id: newId(),
          recipient: notice.recipient,
          priority: notice.priority,
          kind: 'notification',
          messageId: copy.messageId,
          subscriberId: owner.id,
          messageType: envelope.type,
          channel: notice.channel,
          scheduledAt: notice.scheduledAt,
          expiresAt: null,
          receipt: false,
          payload: notice.payload,
        });
      }
    }
    return { deliveries: out, digests };
  }

  /**
   * A voice message's length, when its sender did not say: read from its first recording's
   * header, else measured by decoding it; a recording nobody can decode has no length.
   */
  private async recordingLength(type: string, parts: IncomingPart[]): Promise<number | null> {
    if (type !== 'voice' && type !== 'ivm') return null;
    const audio = parts.find((p) => p.contentType.toLowerCase().startsWith('audio/'));
    if (!audio) return null;
    return (
      audioDurationMs(audio.contentType, audio.content) ??
      (await this.measure(audio.contentType, audio.content).catch(() => null))
    );
  }

  private async prepare(envelope: Envelope, parts: IncomingPart[]): Promise<IngestRecord> {
    const size = this.validate(envelope, parts);
    const from = parseAddress(envelope.from).uri;
    const to = [...new Set(envelope.to.map((a) => parseAddress(a).uri))];
    const read = envelope.read ?? false;

    const copies: MailboxCopy[] = [];
    const deliveries: DeliveryRecord[] = [];
    if (envelope.intoMailbox) {
      const owner = await this.directory.require(envelope.intoMailbox);
      copies.push({
        messageId: newId(),
        target: { kind: 'existing', subscriberId: owner.id, address: owner.addresses[0] ?? from },
        folder: envelope.folder ?? 'inbox',
        read,
        enforceQuota: !envelope.exemptFromQuota,
      });
      deliveries.push(...(envelope.notices ?? []));
    } else {
      for (const address of to) {
        const resolution = await this.directory.resolve(address);
        if (resolution.kind === 'local')
          copies.push({
            messageId: newId(),
            target: resolution.target,
            folder: envelope.folder ?? 'inbox',
            read,
            enforceQuota: true,
          });
        else
          deliveries.push({
            id: newId(),
            recipient: resolution.address,
            priority: envelope.priority ?? (envelope.urgent ? 'high' : 'normal'),
            kind: 'message',
            subscriberId: envelope.senderId ?? null,
            messageType: envelope.type,
            channel: null,
            scheduledAt: envelope.scheduledAt ?? null,
            expiresAt: envelope.expiresAt ?? null,
            receipt: envelope.receipt ?? true,
          });
      }
      // No open relay: only an authenticated local sender may reach addresses outside.
      if (deliveries.length > 0 && !envelope.senderId)
        throw new SwitchboardError(
          'forbidden',
          `relaying to ${deliveries[0]!.recipient} is not allowed; sign in to send outside`,
        );
      if (envelope.senderId) {
        const sender = await this.directory.lookup(envelope.senderId);
        if (!sender) throw new SwitchboardError('not-found', `no subscriber ${envelope.senderId}`);
        copies.push({
          messageId: newId(),
          target: { kind: 'existing', subscriberId: sender.id, address: from },
          folder: 'sent',
          read: true,
          enforceQuota: false,
        });
      }
    }

    const durationMs = envelope.durationMs ?? (await this.recordingLength(envelope.type, parts));
    let digestEntries: DigestEntry[] = [];
    if (!envelope.intoMailbox) {
      const planned = await this.notices(envelope, from, copies, durationMs);
      deliveries.push(...planned.deliveries);
      digestEntries = planned.digests;
    }

    const staged = await Promise.all(parts.map((p) => this.blobs.stage(p.content)));
    const partRecords: PartRecord[] = parts.map((p, i) => ({
      index: i + 1,
      contentType: p.contentType,
      filename: p.filename ?? null,
      disposition: p.disposition ?? (p.filename ? 'attachment' : 'inline'),
      size: p.content.length,
      sha256: staged[i]!.sha256,
      derivedFrom: p.derivedFrom ?? null,
      converter: p.converter ?? null,
    }));

    return {
      envelope: {
        type: envelope.type,
        from,
        to,
        subject: envelope.subject ?? null,
        urgent: envelope.urgent ?? false,
        createdAt: envelope.createdAt ?? isoNow(),
        expiresAt: envelope.expiresAt ?? null,
        durationMs,
        authResults: envelope.authResults ?? null,
        pages: envelope.pages ?? faxPages(envelope.type, parts),
      },
      size,
      parts: partRecords,
      blobs: staged,
      searchText: searchTextOf(parts),
      copies,
      deliveries,
      digestEntries,
      idempotency:
        envelope.idempotencyKey && envelope.senderId
          ? { subscriberId: envelope.senderId, key: envelope.idempotencyKey }
          : null,
    };
  }
}

/** A fax's page count, when its sender did not say: read from its first document. */
function faxPages(type: string, parts: IncomingPart[]): number | null {
  if (type !== 'fax') return null;
  for (const p of parts) {
    const pages = documentPages(p.contentType, p.content);
    if (pages) return pages;
  }
  return null;
}
