import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { isSwitchboardError } from '../../core/errors.js';
import type { Directory } from '../../directory/directory.js';
import type { Intake } from '../../intake/intake.js';
import { mailParts } from './mime-parts.js';
import { smtpReply, type SmtpInboundOptions } from './smtp-inbound.js';

/**
 * Mail submission (RFC 6409): subscribers sign in with AUTH PLAIN or LOGIN, only after
 * STARTTLS, and may then send to anyone; outside recipients become deliveries for the queue.
 * Without a configured certificate smtp-server's own self-signed one is used, so AUTH still
 * never travels in clear.
 */
export function createSmtpSubmission(
  directory: Directory,
  intake: Intake,
  options: SmtpInboundOptions,
): SMTPServer {
  const server = new SMTPServer({
    name: options.hostname,
    banner: 'Switchboard ESMTP submission',
    size: options.maxMessageBytes,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    logger: false,
    onAuth(auth, session, callback) {
      const address = (auth.username ?? '').includes(':')
        ? (auth.username ?? '')
        : `mailto:${auth.username ?? ''}`;
      directory.checkPassword(address, auth.password ?? '').then(
        (subscriber) => {
          if (!subscriber) {
            options.logger.warn(
              { user: auth.username, remote: session.remoteAddress },
              'SMTP authentication failed',
            );
            return callback(
              Object.assign(new Error('5.7.8 wrong user name or password'), { responseCode: 535 }),
            );
          }
          callback(null, { user: subscriber.id });
        },
        (err: unknown) => callback(err as Error),
      );
    },
    onMailFrom(_address, session, callback) {
      if (!session.user)
        return callback(
          Object.assign(new Error('5.7.0 sign in first (AUTH after STARTTLS)'), {
            responseCode: 530,
          }),
        );
      callback();
    },
    onRcptTo(_address, session, callback) {
      if (session.envelope.rcptTo.length >= options.maxRecipients)
        return callback(
          Object.assign(
            new Error(`4.5.3 too many recipients; the limit is ${options.maxRecipients}`),
            { responseCode: 452 },
          ),
        );
      callback();
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
        void (async () => {
          const sender = await directory.lookup(String(session.user));
          if (!sender)
            throw Object.assign(new Error('5.7.0 the account is gone'), { responseCode: 550 });
          const mail = await simpleParser(Buffer.concat(chunks), {
            skipHtmlToText: true,
            skipTextToHtml: true,
            skipImageLinks: true,
          });
          const { type, subject, parts } = mailParts(mail);
          const envelopeFrom = session.envelope.mailFrom
            ? `mailto:${session.envelope.mailFrom.address}`
            : null;
          // A subscriber sends as one of their own addresses, never as someone else.
          const from =
            envelopeFrom && sender.addresses.includes(envelopeFrom.toLowerCase())
              ? envelopeFrom.toLowerCase()
              : sender.addresses[0]!;
          const result = await intake.ingest(
            {
              type,
              from,
              to: session.envelope.rcptTo.map((r) => `mailto:${r.address}`),
              subject,
              senderId: sender.id,
            },
            parts,
          );
          options.logger.info(
            { sender: sender.id, deliveries: result.deliveries.length },
            'mail submitted',
          );
          callback(null, 'Message stored');
        })().catch((err: unknown) => {
          if (isSwitchboardError(err)) {
            const { code, message } = smtpReply(err);
            return callback(Object.assign(new Error(message), { responseCode: code }));
          }
          const coded = err as { responseCode?: number };
          callback(
            coded.responseCode
              ? (err as Error)
              : Object.assign(new Error('4.3.0 the message could not be stored; try again later'), {
                  responseCode: 451,
                }),
          );
        });
      });
    },
  });
  server.on('error', (err) =>
    options.logger.warn({ err: err.message }, 'SMTP submission connection error'),
  );
  return server;
}
