import { simpleParser } from 'mailparser';
import type { SMTPServerSession } from 'smtp-server';
import type { BounceAddresses } from './bounce-address.js';
import {
  parseDeliveryStatus,
  type DeliveryStatusReport,
  type RecipientStatus,
} from './protocol/delivery-status.js';
import { smtpError, type SmtpOptions } from './smtp-common.js';

/** Where the outcome of a DSN goes: the queue's late reports (app wires them). */
export interface DeliveryReportSink {
  failed(deliveryId: string, source: string, error: string): Promise<boolean>;
  delayed(deliveryId: string, source: string, note: string): Promise<boolean>;
}

const REPORT_TYPES = ['message/delivery-status', 'message/global-delivery-status'];

/**
 * DSNs (RFC 3464) sent back to the VERP bounce addresses of outgoing mail. Inbound SMTP asks it
 * about each recipient and hands it the mail when the recipients were bounce addresses; the
 * report is matched to its delivery by the address, not by anything in the report, so a forged
 * report can only name deliveries whose tag its sender saw. `failed` fails the delivery,
 * `delayed` is noted in its log, `delivered`/`relayed`/`expanded` change nothing. Mail to a
 * bounce address that is no DSN (an auto-reply, an old-style bounce) is taken and dropped:
 * guessing at free text could fail deliveries that went through.
 */
export class DsnReceiver {
  constructor(
    private readonly bounces: BounceAddresses,
    private readonly sink: DeliveryReportSink,
    private readonly logger: SmtpOptions['logger'],
  ) {}

  /**
   * At RCPT: undefined when the address is no bounce address (the usual checks apply), null to
   * take it, or the refusal. One transaction carries either DSN recipients or ordinary ones,
   * so that the mail goes one way or the other; the rest are put off with 452 (RFC 5321 allows
   * it, and the client sends them in a transaction of their own).
   */
  recipient(address: string, session: SMTPServerSession): Error | null | undefined {
    const check = this.bounces.check(address);
    if (check.kind === 'forged') {
      this.logger.warn({ rcpt: address, remote: session.remoteAddress }, 'forged bounce address');
      return smtpError(550, `5.1.1 ${check.reason}`);
    }
    const taken = session.envelope.rcptTo;
    const dsnSoFar = taken.some((r) => this.bounces.check(r.address).kind === 'valid');
    if (check.kind === 'none') return dsnSoFar ? putOff() : undefined;
    return taken.length > 0 && !dsnSoFar ? putOff() : null;
  }

  /** Handles the mail when its recipients are bounce addresses; false for ordinary mail. */
  async message(raw: Buffer, session: SMTPServerSession): Promise<boolean> {
    const deliveryIds = session.envelope.rcptTo.flatMap((r) => {
      const check = this.bounces.check(r.address);
      return check.kind === 'valid' ? [check.deliveryId] : [];
    });
    if (deliveryIds.length === 0) return false;
    const report = await this.report(raw);
    if (!report) {
      this.logger.info(
        { deliveries: deliveryIds, remote: session.remoteAddress },
        'mail to a bounce address without a delivery report; dropped',
      );
      return true;
    }
    const source = `DSN from ${report.reportingMta ?? session.remoteAddress}`;
    const failed = report.recipients.filter((r) => r.action === 'failed');
    const delayed = report.recipients.filter((r) => r.action === 'delayed');
    for (const id of deliveryIds) {
      const known = failed.length
        ? await this.sink.failed(id, source, failed.map(describe).join('; '))
        : delayed.length
          ? await this.sink.delayed(id, source, delayed.map(describe).join('; '))
          : true;
      this.logger.info(
        {
          delivery: id,
          actions: report.recipients.map((r) => r.action),
          known,
          remote: session.remoteAddress,
        },
        'delivery status notification',
      );
    }
    return true;
  }

  private async report(raw: Buffer): Promise<DeliveryStatusReport | null> {
    const mail = await simpleParser(raw, {
      keepDeliveryStatus: true,
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
    });
    const part = mail.attachments.find((a) => REPORT_TYPES.includes(a.contentType.toLowerCase()));
    return part ? parseDeliveryStatus(part.content.toString('utf8')) : null;
  }
}

function putOff(): Error {
  return smtpError(452, '4.5.3 delivery reports and other mail go in separate transactions');
}

function describe(r: RecipientStatus): string {
  return [r.action, r.finalRecipient, r.status, r.diagnosticCode].filter(Boolean).join(' ');
}
