import { simpleParser, type ParsedMail } from 'mailparser';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { isSwitchboardError, type SwitchboardError } from '../../core/errors.js';
import { MimeGuard, type MimeLimits } from './mime-guard.js';

export interface SmtpOptions {
  maxMessageBytes: number;
  maxRecipients: number;
  /** Structure limits checked while DATA streams in, before the parser (mime-guard.ts). */
  mime: MimeLimits;
  /** Connections one client address may hold open at once on one port (connection-limits.ts). */
  maxConnectionsPerIp: number;
  /** MAIL and RCPT commands one connection may send before it reaches DATA. */
  maxCommandsBeforeData: number;
  hostname: string;
  /** Local domains: `fax.<domain>` addresses are the email-to-fax gateway. */
  domains: readonly string[];
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
  tls?: { key: Buffer; cert: Buffer };
}

type Coded = Error & { responseCode: number };

/** An error smtp-server answers with this reply code. */
export function smtpError(code: number, message: string): Coded {
  return Object.assign(new Error(message), { responseCode: code });
}

/** SMTP reply codes for refusals from the directory and intake (RFC 5321, RFC 3463). */
export function smtpReply(err: SwitchboardError): { code: number; message: string } {
  switch (err.kind) {
    case 'no-mailbox':
      return { code: 550, message: `5.1.1 ${err.message}` };
    case 'forbidden':
      return { code: 550, message: `5.7.1 ${err.message}` };
    case 'quota-exceeded':
      // Permanent by RFC 3463's 5.2.2 would bounce at once; 452 lets the sender retry later.
      return { code: 452, message: `4.2.2 ${err.message}` };
    case 'too-large':
      return { code: 552, message: `5.3.4 ${err.message}` };
    case 'invalid':
      return { code: 550, message: `5.6.0 ${err.message}` };
    default:
      return { code: 451, message: `4.3.0 ${err.message}` };
  }
}

/** Any failure as an SMTP reply: domain refusals by kind, coded errors as they are, the rest 451. */
export function replyFor(err: unknown): Error {
  if (isSwitchboardError(err)) {
    const { code, message } = smtpReply(err);
    return smtpError(code, message);
  }
  if ((err as Partial<Coded>).responseCode) return err as Error;
  return smtpError(451, '4.3.0 the message could not be stored; try again later');
}

/** The recipient limit, checked before each RCPT is taken. */
export function recipientLimit(session: SMTPServerSession, max: number): Error | null {
  return session.envelope.rcptTo.length >= max
    ? smtpError(452, `4.5.3 too many recipients; the limit is ${max}`)
    : null;
}

/**
 * A parser failure as a permanent refusal: the same bytes would fail again on a retry. mailparser
 * marks its own bounds (header size per MIME node, number of nodes) with EMAXLEN.
 */
function unparseable(err: unknown): Error {
  const e = err as Error & { code?: string };
  return e.code === 'EMAXLEN'
    ? smtpError(554, `5.6.0 the message is beyond the MIME parser's limits: ${e.message}`)
    : smtpError(554, `5.6.0 the message could not be parsed: ${e.message}`);
}

/**
 * The DATA handler both ports share: read the message (refusing it past the size limit or the
 * MIME structure limits, keeping no bytes of a message that will be refused), parse it, hand it
 * to `store`, and answer 250 only once `store` has committed it.
 */
export function onMessage(
  options: SmtpOptions,
  store: (
    mail: ParsedMail,
    session: SMTPServerSession,
    bytes: number,
    raw: Buffer,
  ) => Promise<void>,
) {
  return (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ) => {
    const chunks: Buffer[] = [];
    const guard = new MimeGuard(options.mime);
    stream.on('data', (c: Buffer) => {
      // The rest is still read, as SMTP needs, but dropped: a refused message holds no memory.
      if (stream.sizeExceeded || guard.refusal) {
        chunks.length = 0;
        return;
      }
      guard.write(c);
      chunks.push(c);
    });
    stream.on('end', () => {
      if (stream.sizeExceeded)
        return callback(
          smtpError(552, `5.3.4 the message is larger than ${options.maxMessageBytes} bytes`),
        );
      const refusal = guard.end();
      if (refusal) {
        options.logger.warn(
          { limit: refusal.limit, reply: refusal.message, remote: session.remoteAddress },
          'mail refused: MIME structure',
        );
        return callback(smtpError(refusal.code, refusal.message));
      }
      const raw = Buffer.concat(chunks);
      chunks.length = 0;
      simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true })
        .catch((err: unknown) => Promise.reject(unparseable(err)))
        .then((mail) => store(mail, session, raw.length, raw))
        .then(
          () => callback(null, 'Message stored'),
          (err: unknown) => {
            options.logger.warn(
              { err: (err as Error).message, remote: session.remoteAddress },
              'mail refused',
            );
            callback(replyFor(err));
          },
        );
    });
  };
}
