import { smppFromTel } from './smpp-address.js';
import { RECEIPT_STATES, receiptText, type ReceiptStat } from './receipt-text.js';
import { Status, statusName, type Pdu } from './smpp-wire.js';

/** A bound session as receipts see it. */
export interface ReceiptSession {
  readonly receives: boolean;
  request(command: string, fields: Record<string, unknown>): Promise<Pdu>;
}

/** A receipt an application asked for with registered_delivery, until it is handed over. */
export interface ExpectedReceipt {
  accountId: string;
  messageId: string;
  /** The application's sender and the destination, as tel: URIs. */
  from: string;
  to: string;
  submitted: Date;
  text: string;
  /** registered_delivery 2: only a failure is reported. */
  failureOnly: boolean;
  /** submit_sm_resp written: no receipt may overtake the message id it is about. */
  acknowledged: boolean;
  outcome: { stat: ReceiptStat; done: Date } | null;
  attempts: number;
}

export interface ReceiptOptions {
  /** Receipts kept waiting (for a delivery to end, or for a receiver to bind), per kind. */
  maxPending: number;
  /** After a deliver_sm was refused or not answered, the next try is this much later. */
  retryMs: number;
  /** A receipt refused this often is dropped. */
  maxAttempts: number;
}

export interface ReceiptLog {
  warn(detail: Record<string, unknown>, msg: string): void;
}

const FINAL: Record<'S' | 'F' | 'E', ReceiptStat> = { S: 'DELIVRD', F: 'UNDELIV', E: 'EXPIRED' };

/**
 * Delivery receipts for applications (deliver_sm with esm_class 0x04): DELIVRD as soon as the
 * message is in a local mailbox; for an outside number when its delivery ends (S DELIVRD, F
 * UNDELIV, E EXPIRED). A receipt waits for a receiver or transceiver session of its account;
 * the waiting ones live in memory only, bounded by `maxPending`: a restart loses them.
 */
export class ApplicationReceipts {
  private readonly byDelivery = new Map<string, ExpectedReceipt[]>();
  private readonly queues = new Map<string, ExpectedReceipt[]>();
  private readonly flushing = new Set<string>();
  private readonly retries = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly sessions: (accountId: string) => ReceiptSession[],
    private readonly options: ReceiptOptions,
    private readonly log: ReceiptLog,
  ) {}

  /** Receipts waiting for a delivery to end or for a receiver, for tests and metrics. */
  get pending(): number {
    let n = 0;
    for (const list of this.byDelivery.values()) n += list.length;
    for (const list of this.queues.values()) n += list.length;
    return n;
  }

  /** The message is stored (mailbox) or ended (delivery): report it once acknowledged. */
  settle(receipt: ExpectedReceipt, stat: ReceiptStat): void {
    receipt.outcome ??= { stat, done: new Date() };
    if (receipt.acknowledged) this.enqueue(receipt);
  }

  /** The submit_sm_resp with the receipt's message id went out. */
  acknowledged(receipt: ExpectedReceipt): void {
    receipt.acknowledged = true;
    if (receipt.outcome) this.enqueue(receipt);
  }

  /** The receipt follows how this delivery ends. */
  awaitDelivery(deliveryId: string, receipt: ExpectedReceipt): void {
    this.byDelivery.set(deliveryId, [...(this.byDelivery.get(deliveryId) ?? []), receipt]);
    if (this.byDelivery.size > this.options.maxPending) {
      const [oldest] = this.byDelivery.keys();
      this.byDelivery.delete(oldest!);
      this.log.warn({ delivery: oldest }, 'SMPP receipt dropped: too many deliveries awaited');
    }
  }

  /** The queue ended a delivery; a receipt waiting for it goes to its application. */
  deliveryEnded(deliveryId: string, status: 'S' | 'F' | 'E'): void {
    const waiting = this.byDelivery.get(deliveryId);
    if (!waiting) return;
    this.byDelivery.delete(deliveryId);
    for (const receipt of waiting) this.settle(receipt, FINAL[status]);
  }

  /** An account bound a receiver or transceiver: what waited for it goes now. */
  bound(accountId: string): void {
    void this.flush(accountId);
  }

  close(): void {
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
  }

  private enqueue(receipt: ExpectedReceipt): void {
    if (receipt.failureOnly && receipt.outcome?.stat === 'DELIVRD') return;
    const queue = this.queues.get(receipt.accountId) ?? [];
    queue.push(receipt);
    this.queues.set(receipt.accountId, queue);
    if (queue.length > this.options.maxPending) {
      const dropped = queue.shift()!;
      this.log.warn(
        { messageId: dropped.messageId, account: dropped.accountId },
        'SMPP receipt dropped: too many waiting for the application to bind a receiver',
      );
    }
    void this.flush(receipt.accountId);
  }

  /** Hands the account's receipts over one by one, while a receiving session is bound. */
  private async flush(accountId: string): Promise<void> {
    if (this.flushing.has(accountId)) return;
    this.flushing.add(accountId);
    try {
      const queue = this.queues.get(accountId) ?? [];
      while (queue.length > 0) {
        const session = this.sessions(accountId).find((s) => s.receives);
        if (!session) return;
        const receipt = queue[0]!;
        if (await this.send(session, receipt)) {
          queue.shift();
          continue;
        }
        if (++receipt.attempts >= this.options.maxAttempts) {
          queue.shift();
          this.log.warn(
            { messageId: receipt.messageId, attempts: receipt.attempts },
            'SMPP receipt dropped: the application kept refusing it',
          );
          continue;
        }
        this.retryLater(accountId);
        return;
      }
      this.queues.delete(accountId);
    } finally {
      this.flushing.delete(accountId);
    }
  }

  private retryLater(accountId: string): void {
    if (this.retries.has(accountId)) return;
    const timer = setTimeout(() => {
      this.retries.delete(accountId);
      void this.flush(accountId);
    }, this.options.retryMs);
    timer.unref();
    this.retries.set(accountId, timer);
  }

  private async send(session: ReceiptSession, receipt: ExpectedReceipt): Promise<boolean> {
    const { stat, done } = receipt.outcome!;
    // The receipt comes from the destination and goes to the application's sender.
    const from = smppFromTel(receipt.to);
    const to = smppFromTel(receipt.from);
    const text = receiptText({
      id: receipt.messageId,
      submitted: receipt.submitted,
      done,
      stat,
      err: stat === 'DELIVRD' ? 0 : 1,
      text: receipt.text,
    });
    try {
      const response = await session.request('deliver_sm', {
        source_addr_ton: from.ton,
        source_addr_npi: from.npi,
        source_addr: from.address,
        dest_addr_ton: to.ton,
        dest_addr_npi: to.npi,
        destination_addr: to.address,
        esm_class: 0x04,
        data_coding: 0,
        short_message: Buffer.from(text, 'latin1'),
        receipted_message_id: receipt.messageId,
        message_state: RECEIPT_STATES[stat],
      });
      if (response.command_status === Status.ESME_ROK) return true;
      this.log.warn(
        { messageId: receipt.messageId, status: statusName(response.command_status) },
        'SMPP receipt refused by the application',
      );
      return false;
    } catch (err) {
      this.log.warn(
        { messageId: receipt.messageId, error: (err as Error).message },
        'SMPP receipt not answered',
      );
      return false;
    }
  }
}
