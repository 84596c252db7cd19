import type { SmsSubmissionStore } from '../../core/delivery-ports.js';
import type { ReplyCommands } from './reply-commands.js';
import { telOf } from './sms-config.js';

export interface SmsArrivalDeps {
  submissions: Pick<SmsSubmissionStore, 'markSubmission'>;
  /** What a receipt tells the queue: a delivery waiting for it is sent, or failed. */
  reports: {
    delivered(deliveryId: string): Promise<boolean>;
    failed(deliveryId: string, source: string, error: string): Promise<boolean>;
  };
  replies: Pick<ReplyCommands, 'handle'>;
  /** Stores an SMS in the mailbox of the number it was sent to; resolves once committed. */
  store(sms: { from: string; to: string; text: string }): Promise<'stored' | 'no-such-number'>;
  log(event: string, detail: object): void;
}

/** The SMS resource something arrived through. */
export interface SmsRoute {
  resourceId: string;
  resourceName: string;
  /** The number notices go out from: SMS sent to it are answers to notices. */
  sourceAddr: string | null;
}

/** A delivery receipt as any network reports it: the network's id for a part, and its end. */
export interface SmsReceipt {
  /** The id as the network gave it (for the log). */
  id: string;
  /** Every form the id may have been stored under (SMSCs disagree on hex and decimal). */
  candidates: string[];
  outcome: 'delivered' | 'failed';
  /** Why, when it failed: what the network said. */
  error: string | null;
}

/** How long a receipt waits for the submission it is about to be recorded (a fast SMSC). */
const RECEIPT_WAIT_MS = 5000;

/**
 * What arrives through an SMS resource, whichever protocol brought it (SMPP deliver_sm, a
 * provider's webhook): receipts, matched to the parts we submitted and ending the delivery they
 * belong to; and whole mobile-originated texts, that are either reply commands (sent from a
 * subscriber's number to the number notices come from) or messages for the mailbox of the
 * number they were sent to. Never relayed onward: an SMSC or a provider cannot use us as a relay.
 * Both resolve only once what they carry is committed, so the network keeps anything we could
 * lose.
 */
export class SmsArrivals {
  constructor(
    private readonly route: SmsRoute,
    private readonly deps: SmsArrivalDeps,
  ) {}

  /** A whole text from `from` to `to` (tel: URIs): `not-ours` when no mailbox has that number. */
  async message(from: string, to: string, text: string): Promise<'accepted' | 'not-ours'> {
    const source = this.route.sourceAddr === null ? null : telOf(this.route.sourceAddr);
    if (source === to && (await this.deps.replies.handle(from, text))) return 'accepted';
    const stored = await this.deps.store({ from, to, text });
    if (stored === 'stored') return 'accepted';
    this.deps.log('SMS for a number we do not serve', {
      from,
      to,
      resource: this.route.resourceName,
    });
    return 'not-ours';
  }

  /** Ends the delivery a receipt is about; `unmatched` when nothing waits for it. */
  async receipt(receipt: SmsReceipt): Promise<'matched' | 'unmatched'> {
    const { outcome, error } = receipt;
    // A fast network may report before we have recorded the submission or settled the delivery.
    const until = Date.now() + RECEIPT_WAIT_MS;
    for (;;) {
      const parts = await this.deps.submissions.markSubmission(
        this.route.resourceId,
        receipt.candidates,
        outcome,
        outcome === 'failed' ? error : null,
      );
      if (parts) {
        const deliveryId = parts[0]!.deliveryId;
        if (outcome === 'failed') {
          await this.deps.reports.failed(
            deliveryId,
            this.route.resourceName,
            error ?? 'the network reports a failure',
          );
          return 'matched';
        }
        // The other parts' receipts end it.
        if (parts.some((p) => p.status !== 'delivered')) return 'matched';
        if (await this.deps.reports.delivered(deliveryId)) return 'matched';
      }
      if (Date.now() >= until) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    this.deps.log('a delivery receipt for nothing waiting', {
      id: receipt.id,
      outcome,
      resource: this.route.resourceName,
    });
    return 'unmatched';
  }
}
