import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { isSwitchboardError, type SwitchboardError } from '../../core/errors.js';
import type { Directory } from '../../directory/directory.js';
import type { Intake } from '../../intake/intake.js';
import { mailParts } from './mime-parts.js';

export interface SmtpInboundOptions {
  maxMessageBytes: number;
  maxRecipients: number;
  hostname: string;
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
  tls?: { key: Buffer; cert: Buffer };
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

function refusal(err: SwitchboardError): Error & { responseCode: number } {
  const { code, message } = smtpReply(err);
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * Mail from the world for local subscribers (port 25's role, here SWITCHBOARD_SMTP_PORT).
 * Recipients are checked at RCPT time, so unknown mailboxes and relaying are refused before any
 * data; the message is acknowledged with 250 only after intake committed it to disk.
 */
export function createSmtpInbound(
  directory: Directory,
  intake: Intake,
  options: SmtpInboundOptions,
): SMTPServer {
  const settings: SMTPServerOptions = {
    name: options.hostname,
    banner: 'Switchboard ESMTP',
    size: options.maxMessageBytes,
    authOptional: true,
    // Authenticated submission is the submission port's job; this port takes mail for local users only.
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    logger: false,
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= options.maxRecipients)
        return callback(
          Object.assign(
            new Error(`4.5.3 too many recipients; the limit is ${options.maxRecipients}`),
            { responseCode: 452 },
          ),
        );
      directory.resolve(`mailto:${address.address}`).then(
        (resolution) => {
          if (resolution.kind === 'local') return callback();
          options.logger.warn(
            { rcpt: address.address, remote: session.remoteAddress },
            'relaying refused',
          );
          callback(
            Object.assign(new Error(`5.7.1 relaying to ${address.address} is not allowed`), {
              responseCode: 550,
            }),
          );
        },
        (err: unknown) => callback(isSwitchboardError(err) ? refusal(err) : (err as Error)),
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (stream.sizeExceeded)
          return callback(
            Object.assign(
              new Error(`5.3.4 the message is larger than ${options.maxMessageBytes} bytes`),
              { responseCode: 552 },
            ),
          );
        const raw = Buffer.concat(chunks);
        void (async () => {
          const mail = await simpleParser(raw, {
            skipHtmlToText: true,
            skipTextToHtml: true,
            skipImageLinks: true,
          });
          const { type, subject, parts } = mailParts(mail);
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          await intake.ingest(
            {
              type,
              from: from ? `mailto:${from}` : `mailto:mailer-daemon@${options.hostname}`,
              to: session.envelope.rcptTo.map((r) => `mailto:${r.address}`),
              subject,
            },
            parts,
          );
          options.logger.info(
            { from, rcpt: session.envelope.rcptTo.length, bytes: raw.length, type },
            'mail accepted',
          );
          callback(null, 'Message stored');
        })().catch((err: unknown) => {
          options.logger.warn(
            { err: (err as Error).message, remote: session.remoteAddress },
            'mail refused',
          );
          callback(
            isSwitchboardError(err)
              ? refusal(err)
              : Object.assign(new Error('4.3.0 the message could not be stored; try again later'), {
                  responseCode: 451,
                }),
          );
        });
      });
    },
  };
  const server = new SMTPServer(settings);
  server.on('error', (err) => options.logger.warn({ err: err.message }, 'SMTP connection error'));
  return server;
}
