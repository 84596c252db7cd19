import type { Delivery } from '../core/delivery.js';
import type { MessageStore } from '../core/ports.js';
import type { Directory } from '../directory/directory.js';
import type { Intake } from '../intake/intake.js';
import { textsFor } from './templates.js';

/**
 * Receipts (seed 001): when a delivery ends, its sender gets a message in their own mailbox, in
 * their language, with the error log when it failed. From there the sender's own notification
 * rules carry it further, like any other message.
 */
export class ReceiptWriter {
  constructor(
    private readonly directory: Directory,
    private readonly messages: MessageStore,
    private readonly intake: Intake,
    private readonly postmaster: string,
  ) {}

  /** `sent`: what the delivering attempt used; a call's seconds, a fax's pages are told to the sender. */
  async write(
    delivery: Delivery,
    status: 'S' | 'F' | 'E',
    sent?: { units: number; unit: string; remoteId?: string; seconds?: number },
  ): Promise<void> {
    if (!delivery.subscriberId) return;
    const sender = await this.directory.lookup(delivery.subscriberId);
    if (!sender || sender.addresses.length === 0) return;
    const original = await this.messages.find(delivery.messageId);
    const errors = delivery.errorLog.map((e) =>
      `${e.at} ${e.resource ?? ''} ${e.error}`.replace(/\s+/g, ' '),
    );
    if (errors.length === 0 && delivery.lastError && status !== 'S')
      errors.push(delivery.lastError);
    const { subject, text } = textsFor(sender.language).receipt({
      status,
      recipient: delivery.recipient,
      subject: original?.subject ?? null,
      errors,
      at: new Date().toISOString(),
      callSeconds: sent?.unit === 'second' ? sent.units : null,
      fax:
        sent?.unit === 'page'
          ? { pages: sent.units, remoteId: sent.remoteId ?? '', seconds: sent.seconds ?? null }
          : null,
    });
    await this.intake.ingest(
      {
        type: 'text',
        from: this.postmaster,
        to: [sender.addresses[0]!],
        subject,
        receipt: false,
        idempotencyKey: undefined,
      },
      [{ contentType: 'text/plain; charset=utf-8', content: Buffer.from(text, 'utf8') }],
    );
  }
}
