import { SMTPServer } from 'smtp-server';
import type { Directory } from '../../directory/directory.js';
import type { Intake } from '../../intake/intake.js';
import { faxRecipient, isFaxDomain } from './fax-address.js';
import { faxParts } from './fax-mail.js';
import { limitConnections } from './connection-limits.js';
import { mailParts } from './mime-parts.js';
import { onMessage, recipientLimit, smtpError, type SmtpOptions } from './smtp-common.js';

/**
 * Mail submission (RFC 6409): subscribers sign in with AUTH PLAIN or LOGIN, only after
 * STARTTLS, and may then send to anyone; outside recipients become deliveries for the queue.
 * Without a configured certificate smtp-server's own self-signed one is used, so AUTH still
 * never travels in clear.
 */
export function createSmtpSubmission(
  directory: Directory,
  intake: Intake,
  options: SmtpOptions,
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
          if (subscriber) return callback(null, { user: subscriber.id });
          options.logger.warn(
            { user: auth.username, remote: session.remoteAddress },
            'SMTP authentication failed',
          );
          callback(smtpError(535, '5.7.8 wrong user name or password'));
        },
        (err: unknown) => callback(err as Error),
      );
    },
    onMailFrom(_address, session, callback) {
      callback(
        session.user ? undefined : smtpError(530, '5.7.0 sign in first (AUTH after STARTTLS)'),
      );
    },
    onRcptTo(address, session, callback) {
      const limit = recipientLimit(session, options.maxRecipients);
      if (limit) return callback(limit);
      const fax = isFaxDomain(address.address, options.domains);
      if (fax && !faxRecipient(address.address, options.domains))
        return callback(
          smtpError(550, `5.1.3 ${address.address} is not a fax number; use <number>@fax.<domain>`),
        );
      // A fax and a mail are different messages: RFC 5321 lets the client send the rest anew.
      if (session.envelope.rcptTo.some((r) => isFaxDomain(r.address, options.domains) !== fax))
        return callback(smtpError(452, '4.5.3 send faxes and mail as separate messages'));
      callback();
    },
    onData: onMessage(options, async (mail, session) => {
      const sender = await directory.lookup(String(session.user));
      if (!sender) throw smtpError(550, '5.7.0 the account is gone');
      const faxes = session.envelope.rcptTo.map((r) => faxRecipient(r.address, options.domains));
      const toFax = faxes.every((f) => f !== null);
      const { type, subject, durationMs, parts } = toFax ? faxParts(mail) : mailParts(mail);
      const envelopeFrom = session.envelope.mailFrom
        ? `mailto:${session.envelope.mailFrom.address}`.toLowerCase()
        : null;
      // A subscriber sends as one of their own addresses, never as someone else.
      const from =
        envelopeFrom && sender.addresses.includes(envelopeFrom)
          ? envelopeFrom
          : sender.addresses[0]!;
      const result = await intake.ingest(
        {
          type,
          from,
          to: toFax
            ? (faxes as string[])
            : session.envelope.rcptTo.map((r) => `mailto:${r.address}`),
          subject,
          durationMs,
          senderId: sender.id,
        },
        parts,
      );
      options.logger.info(
        { sender: sender.id, deliveries: result.deliveries.length },
        'mail submitted',
      );
    }),
  });
  limitConnections(server, options);
  server.on('error', (err) =>
    options.logger.warn({ err: err.message }, 'SMTP submission connection error'),
  );
  return server;
}
