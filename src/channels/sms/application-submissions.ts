import { applicationMark } from '../../core/application-sms.js';
import { SwitchboardError } from '../../core/errors.js';
import type { Envelope, IncomingPart, IngestResult } from '../../core/ingest.js';
import type { SmppAccount } from '../../core/smpp-account.js';
import type { Subscriber } from '../../core/subscriber.js';
import { newId } from '../../lib/ids.js';
import { TokenBucket } from '../../lib/token-bucket.js';
import type { ApplicationReceipts, ExpectedReceipt } from './application-receipts.js';
import { textCoding } from './protocol/data-coding.js';
import { Reassembly } from './protocol/reassembly.js';
import { decodeShortMessage, type Concatenation } from './protocol/short-message.js';
import type { SubmitAnswer } from './smpp-session.js';
import { telFromSmpp } from './smpp-address.js';
import { Status, statusName, type Pdu } from './smpp-wire.js';

/** The account a session is bound for. */
export interface BoundAccount {
  account: SmppAccount;
  subscriber: Subscriber;
}

export interface SubmissionDeps {
  ingest(envelope: Envelope, parts: IncomingPart[]): Promise<IngestResult>;
  /** The tel: URI the account may send from for the number asked for (null: none asked). */
  sender(bound: BoundAccount, requested: string | null): string | null;
  receipts: ApplicationReceipts;
  log: {
    info(detail: Record<string, unknown>, msg: string): void;
    warn(detail: Record<string, unknown>, msg: string): void;
  };
}

export interface SubmissionOptions {
  /** Parts of a concatenated text that stop coming are refused after this long. */
  concatTimeoutMs: number;
  /** Concatenated texts being joined at once, over all accounts. */
  maxPendingTexts: number;
}

/** One submit_sm, checked and decoded, waiting for its answer. */
interface Submitted {
  from: string;
  to: string;
  registered: number;
  answer(a: SubmitAnswer): void;
}

/** Intake's refusals as SMPP statuses; anything else is a system error the ESME may retry. */
function statusOf(err: unknown): number {
  if (!(err instanceof SwitchboardError)) return Status.ESME_RSYSERR;
  switch (err.kind) {
    case 'too-large':
      return Status.ESME_RINVMSGLEN;
    case 'invalid':
    case 'no-mailbox':
    case 'not-found':
      return Status.ESME_RINVDSTADR;
    case 'quota-exceeded':
    case 'forbidden':
      return Status.ESME_RSUBMITFAIL;
    default:
      return Status.ESME_RSYSERR;
  }
}

const asBuffer = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.alloc(0));
const asNumber = (v: unknown): number => (typeof v === 'number' ? v : 0);
const asString = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * What applications submit: each submit_sm checked against its account (throughput, sender,
 * destination, data coding), decoded, the parts of a concatenated text joined, then stored as
 * one `sms` message through intake. A text is acknowledged only once intake has committed it;
 * the parts of a concatenated text are all answered then, each with its own message id, so a
 * part that never arrives leaves the others unacknowledged (answered ESME_RSUBMITFAIL after the
 * timeout: the application sends the text again).
 */
export class ApplicationSubmissions {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly joining: Reassembly;
  private readonly held = new Map<string, Submitted[]>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly deps: SubmissionDeps,
    private readonly options: SubmissionOptions,
  ) {
    this.joining = new Reassembly(options.concatTimeoutMs, options.maxPendingTexts);
    this.sweeper = setInterval(
      () => this.sweep(),
      Math.max(100, Math.min(1000, options.concatTimeoutMs / 4)),
    );
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const key of [...this.held.keys()]) this.refuseHeld(key, Status.ESME_RSYSERR);
  }

  async submit(bound: BoundAccount, pdu: Pdu): Promise<SubmitAnswer> {
    const { account } = bound;
    let bucket = this.buckets.get(account.id);
    if (!bucket) this.buckets.set(account.id, (bucket = new TokenBucket(account.throughput)));
    if (!bucket.take()) return { status: Status.ESME_RTHROTTLED };

    const to = telFromSmpp(asNumber(pdu.dest_addr_ton), asString(pdu.destination_addr));
    if (!to) return { status: Status.ESME_RINVDSTADR };
    const asked = asString(pdu.source_addr);
    const requested = asked ? telFromSmpp(asNumber(pdu.source_addr_ton), asked) : null;
    const from = asked && !requested ? null : this.deps.sender(bound, requested?.slice(4) ?? null);
    if (!from) return { status: Status.ESME_RINVSRCADR };

    const coding = textCoding(asNumber(pdu.data_coding));
    if (coding === null) return { status: Status.ESME_RINVDCS };
    const short = asBuffer(pdu.short_message);
    const payload = short.length > 0 ? short : asBuffer(pdu.message_payload);
    let text: string;
    let part: Concatenation | null;
    try {
      ({ text, part } = decodeShortMessage(payload, coding, asNumber(pdu.esm_class)));
    } catch {
      return { status: Status.ESME_RINVMSGLEN };
    }

    return new Promise<SubmitAnswer>((answer) => {
      const submitted = { from, to, registered: asNumber(pdu.registered_delivery) & 0x03, answer };
      if (!part) return void this.store(bound, text, [submitted]);
      // Parts join per account, sender and destination: two applications never mix.
      const sender = `${account.id}|${from}|${to}`;
      // The key Reassembly gives the text (its `Joined.key`), so its expiries find these.
      const key = `${sender}|${part.reference}|${part.total}`;
      const joined = this.joining.add(sender, part, text);
      this.held.set(key, [...(this.held.get(key) ?? []), submitted]);
      if (!joined) return;
      const parts = this.held.get(joined.key) ?? [submitted];
      this.held.delete(joined.key);
      // More texts being joined than allowed: this one is refused, not stored in pieces.
      if (joined.missing > 0)
        return void parts.forEach((p) => p.answer({ status: Status.ESME_RMSGQFUL }));
      void this.store(bound, joined.text, parts);
    });
  }

  /** One text, whole, through intake; then every part it came in is answered. */
  private async store(bound: BoundAccount, text: string, parts: Submitted[]): Promise<void> {
    const { account, subscriber } = bound;
    const { from, to } = parts[0]!;
    let result: IngestResult;
    try {
      result = await this.deps.ingest(
        {
          type: 'sms',
          from,
          to: [to],
          senderId: subscriber.id,
          // The application hears how it went by deliver_sm, not the subscriber by a receipt message.
          receipt: false,
          authResults: applicationMark(account.systemId),
        },
        [{ contentType: 'text/plain; charset=utf-8', content: Buffer.from(text, 'utf8') }],
      );
    } catch (err) {
      const status = statusOf(err);
      this.deps.log.warn(
        {
          systemId: account.systemId,
          to,
          status: statusName(status),
          error: (err as Error).message,
        },
        'SMPP submission refused',
      );
      for (const p of parts) p.answer({ status });
      return;
    }
    const local = result.copies.some((c) => c.folder !== 'sent');
    const submitted = new Date();
    for (const p of parts) {
      const messageId = newId();
      const receipt =
        p.registered === 1 || p.registered === 2
          ? this.expect(bound, p, messageId, text, submitted)
          : null;
      if (receipt && local) this.deps.receipts.settle(receipt, 'DELIVRD');
      if (receipt)
        for (const d of result.deliveries.filter((d) => d.kind === 'message'))
          this.deps.receipts.awaitDelivery(d.id, receipt);
      p.answer({
        status: Status.ESME_ROK,
        messageId,
        acknowledged: receipt ? () => this.deps.receipts.acknowledged(receipt) : undefined,
      });
    }
    this.deps.log.info(
      {
        systemId: account.systemId,
        to,
        parts: parts.length,
        stored: local ? 'mailbox' : 'delivery',
        message: result.copies[0]?.messageId,
      },
      'SMPP submission stored',
    );
  }

  private expect(
    bound: BoundAccount,
    part: Submitted,
    messageId: string,
    text: string,
    submitted: Date,
  ): ExpectedReceipt {
    return {
      accountId: bound.account.id,
      messageId,
      from: part.from,
      to: part.to,
      submitted,
      text,
      failureOnly: part.registered === 2,
      acknowledged: false,
      outcome: null,
      attempts: 0,
    };
  }

  /** Texts whose parts stopped coming: their parts are refused, nothing is stored. */
  private sweep(): void {
    for (const { key, missing } of this.joining.expired()) {
      this.deps.log.warn({ key, missing }, 'SMPP concatenated text incomplete; refused');
      this.refuseHeld(key, Status.ESME_RSUBMITFAIL);
    }
  }

  private refuseHeld(key: string, status: number): void {
    for (const p of this.held.get(key) ?? []) p.answer({ status });
    this.held.delete(key);
  }
}
