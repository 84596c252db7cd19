import { idCandidates, parseDeliveryReceipt, receiptOutcome } from './protocol/delivery-receipt.js';
import { Reassembly } from './protocol/reassembly.js';
import {
  concatenationIn,
  decodeShortMessage,
  type Concatenation,
} from './protocol/short-message.js';
import { telOf } from './sms-config.js';
import type { SmsArrivals } from './sms-arrivals.js';
import { SMPP_STATUS, type SmppPdu } from './smpp-package.js';

interface Waiting {
  from: string;
  to: string;
  answers: Array<(status: number) => void>;
}

/**
 * What an SMSC delivers to one SMS resource (deliver_sm), read the SMPP way and handed to the
 * resource's arrivals: delivery receipts (Appendix B text or TLVs, ids in either base), and
 * mobile-originated SMS, joined when concatenated. Each part is answered only after what it
 * carries is committed, so the SMSC keeps anything we could lose; a text whose parts stop
 * coming is stored with what came.
 */
export class InboundSms {
  private readonly joiner: Reassembly;
  private readonly waiting = new Map<string, Waiting>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly arrivals: Pick<SmsArrivals, 'message' | 'receipt'>,
    private readonly log: (event: string, detail: object) => void,
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
    if (missing > 0) this.log('SMS parts missing; stored what came', { key, missing });
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
    const taken = await this.arrivals.message(from, to, text);
    // Permanent when not ours: offering it again will not make the number ours.
    return taken === 'accepted' ? SMPP_STATUS.ROK : SMPP_STATUS.RX_P_APPN;
  }

  private async receipt(pdu: SmppPdu, text: string): Promise<number> {
    const receipt = parseDeliveryReceipt(text, {
      receiptedMessageId:
        typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id : null,
      messageState: typeof pdu.message_state === 'number' ? pdu.message_state : null,
    });
    if (!receipt) {
      this.log('a delivery receipt we cannot read', { text: text.slice(0, 200) });
      return SMPP_STATUS.ROK;
    }
    const outcome = receiptOutcome(receipt.stat);
    if (outcome === 'pending') return SMPP_STATUS.ROK;
    await this.arrivals.receipt({
      id: receipt.id,
      candidates: idCandidates(receipt.id),
      outcome,
      error: `the SMSC reports ${receipt.stat}${receipt.err ? ` (err ${receipt.err})` : ''}`,
    });
    // Answered either way: one the SMSC offers again would match no better.
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
