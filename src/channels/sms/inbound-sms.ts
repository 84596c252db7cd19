import type { SmsSubmissionStore } from '../../core/delivery-ports.js';
import { idCandidates, parseDeliveryReceipt, receiptOutcome } from './protocol/delivery-receipt.js';
import { Reassembly } from './protocol/reassembly.js';
import {
  concatenationIn,
  decodeShortMessage,
  type Concatenation,
} from './protocol/short-message.js';
import { telOf } from './sms-config.js';
import { SMPP_STATUS, type SmppPdu } from './smpp-package.js';
import type { ReplyCommands } from './reply-commands.js';

export interface InboundSmsDeps {
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

export interface SmsRoute {
  resourceId: string;
  resourceName: string;
  /** The number notices go out from: SMS sent to it are answers to notices. */
  sourceAddr: string | null;
}

interface Waiting {
  from: string;
  to: string;
  answers: Array<(status: number) => void>;
}

/** How long a receipt waits for the submission it is about to be recorded (a fast SMSC). */
const RECEIPT_WAIT_MS = 5000;

/**
 * What an SMSC delivers to one SMS resource (deliver_sm): delivery receipts, matched to the
 * parts we submitted (ids in either base), ending the delivery they belong to; and
 * mobile-originated SMS, joined when concatenated, that are either reply commands (sent from a
 * subscriber's number to the number notices come from) or messages for the mailbox of the number
 * they were sent to. Each part is answered only after what it carries is committed, so the SMSC
 * keeps anything we could lose; a text whose parts stop coming is stored with what came.
 */
export class InboundSms {
  private readonly joiner: Reassembly;
  private readonly waiting = new Map<string, Waiting>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly route: SmsRoute,
    private readonly deps: InboundSmsDeps,
    reassemblyMs: number,
  ) {
    this.joiner = new Reassembly(reassemblyMs);
    this.sweep = setInterval(() => void this.giveUp(), Math.min(1000, reassemblyMs));
    this.sweep.unref();
  }

  async deliver(pdu: SmppPdu): Promise<number> {
    const esmClass = Number(pdu.esm_class ?? 0);
    const { text, part } = decoded(pdu, esmClass);
    if ((esmClass & 0x3c) === 0x04) return this.receipt(pdu, text);
    const from = telOf(String(pdu.source_addr ?? ''));
    const to = telOf(String(pdu.destination_addr ?? ''));
    if (!from || !to) return SMPP_STATUS.RX_P_APPN;
    if (!part) return this.whole(from, to, text);
    return new Promise<number>((resolve) => {
      const joined = this.joiner.add(from, part, text);
      const key = `${from}|${part.reference}|${part.total}`;
      const entry = this.waiting.get(key) ?? { from, to, answers: [] };
      entry.answers.push(resolve);
      this.waiting.set(key, entry);
      if (joined) void this.finish(joined.key, joined.text, joined.missing);
    });
  }

  private async finish(key: string, text: string, missing: number): Promise<void> {
    const entry = this.waiting.get(key);
    this.waiting.delete(key);
    if (!entry) return;
    if (missing > 0) this.deps.log('SMS parts missing; stored what came', { key, missing });
    const status = await this.whole(
      entry.from,
      entry.to,
      missing > 0 ? `${text} [${missing} part(s) missing]` : text,
    ).catch(() => SMPP_STATUS.RX_T_APPN);
    for (const answer of entry.answers) answer(status);
  }

  private async giveUp(): Promise<void> {
    for (const gone of this.joiner.expired()) await this.finish(gone.key, gone.text, gone.missing);
  }

  private async whole(from: string, to: string, text: string): Promise<number> {
    const toNotices = this.route.sourceAddr !== null && telOf(this.route.sourceAddr) === to;
    if (toNotices && (await this.deps.replies.handle(from, text))) return SMPP_STATUS.ROK;
    const stored = await this.deps.store({ from, to, text });
    if (stored === 'stored') return SMPP_STATUS.ROK;
    this.deps.log('SMS for a number we do not serve', {
      from,
      to,
      resource: this.route.resourceName,
    });
    // Permanent: offering it again will not make the number ours.
    return SMPP_STATUS.RX_P_APPN;
  }

  private async receipt(pdu: SmppPdu, text: string): Promise<number> {
    const receipt = parseDeliveryReceipt(text, {
      receiptedMessageId:
        typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id : null,
      messageState: typeof pdu.message_state === 'number' ? pdu.message_state : null,
    });
    if (!receipt) {
      this.deps.log('a delivery receipt we cannot read', { text: text.slice(0, 200) });
      return SMPP_STATUS.ROK;
    }
    const outcome = receiptOutcome(receipt.stat);
    if (outcome === 'pending') return SMPP_STATUS.ROK;
    const error = `the SMSC reports ${receipt.stat}${receipt.err ? ` (err ${receipt.err})` : ''}`;
    // A fast SMSC may report before we have recorded the submission or settled the delivery.
    const until = Date.now() + RECEIPT_WAIT_MS;
    for (;;) {
      const parts = await this.deps.submissions.markSubmission(
        this.route.resourceId,
        idCandidates(receipt.id),
        outcome,
        outcome === 'failed' ? error : null,
      );
      if (parts) {
        const deliveryId = parts[0]!.deliveryId;
        if (outcome === 'failed') {
          await this.deps.reports.failed(deliveryId, this.route.resourceName, error);
          return SMPP_STATUS.ROK;
        }
        if (parts.some((p) => p.status !== 'delivered')) return SMPP_STATUS.ROK;
        if (await this.deps.reports.delivered(deliveryId)) return SMPP_STATUS.ROK;
      }
      if (Date.now() >= until) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    this.deps.log('a delivery receipt for nothing waiting', { id: receipt.id, stat: receipt.stat });
    return SMPP_STATUS.ROK;
  }

  close(): void {
    clearInterval(this.sweep);
  }
}

/** The text and concatenation of a deliver_sm, from what the package decoded (or raw bytes). */
function decoded(pdu: SmppPdu, esmClass: number): { text: string; part: Concatenation | null } {
  const dataCoding = Number(pdu.data_coding ?? 0);
  const field = (pdu.message_payload ?? pdu.short_message) as
    string | Buffer | { udh?: Buffer[]; message: string | Buffer } | undefined;
  if (field === undefined) return { text: '', part: null };
  if (typeof field === 'string') return { text: field, part: null };
  if (Buffer.isBuffer(field)) return decodeShortMessage(field, dataCoding, esmClass);
  const message = Buffer.isBuffer(field.message)
    ? decodeShortMessage(field.message, dataCoding, 0).text
    : field.message;
  const part = field.udh?.length ? concatenationIn(Buffer.concat(field.udh)) : null;
  return { text: message, part: part && part.seq >= 1 && part.seq <= part.total ? part : null };
}
