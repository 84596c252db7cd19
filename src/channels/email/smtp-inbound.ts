import { SMTPServer } from 'smtp-server';
import type { Directory } from '../../directory/directory.js';
import type { Intake } from '../../intake/intake.js';
import { isFaxDomain } from './fax-address.js';
import type { MailAuthenticator } from './mail-auth.js';
import { limitConnections } from './connection-limits.js';
import type { DsnReceiver } from './dsn.js';
import { mailParts } from './mime-parts.js';
import { onMessage, recipientLimit, replyFor, smtpError, type SmtpOptions } from './smtp-common.js';

/**
 * Mail from the world for local subscribers (port 25's role, here SWITCHBOARD_SMTP_PORT).
 * Recipients are checked at RCPT time, so unknown mailboxes and relaying are refused before any
 * data; the message is acknowledged with 250 only after intake committed it to disk.
 */
export function createSmtpInbound(
  directory: Directory,
  intake: Intake,
  options: SmtpOptions,
  checks: { auth?: MailAuthenticator; dsn?: DsnReceiver } = {},
): SMTPServer {
  const server = new SMTPServer({
    name: options.hostname,
    banner: 'Switchboard ESMTP',
    size: options.maxMessageBytes,
    authOptional: true,
    // Authenticated submission is the submission port's job; this port takes mail for local users only.
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    logger: false,
    onRcptTo(address, session, callback) {
      const limit = recipientLimit(session, options.maxRecipients);
      if (limit) return callback(limit);
      const bounce = checks.dsn?.recipient(address.address, session);
      if (bounce !== undefined) return callback(bounce ?? undefined);
      if (isFaxDomain(address.address, options.domains))
        return callback(
          smtpError(550, '5.7.1 faxes are sent through the submission port, signed in (AUTH)'),
        );
      directory.resolve(`mailto:${address.address}`).then(
        (resolution) => {
          if (resolution.kind === 'local') return callback();
          options.logger.warn(
            { rcpt: address.address, remote: session.remoteAddress },
            'relaying refused',
          );
          callback(smtpError(550, `5.7.1 relaying to ${address.address} is not allowed`));
        },
        (err: unknown) => callback(replyFor(err)),
      );
    },
    onData: onMessage(options, async (mail, session, _bytes, raw) => {
      if (await checks.dsn?.message(raw, session)) return;
      const { type, subject, durationMs, parts } = mailParts(mail);
      const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      // The author (header From) rather than the return path, which is often a bounce address.
      const from = mail.from?.value[0]?.address || envelopeFrom;
      const verdict = await checks.auth?.check(raw, {
        ip: session.remoteAddress,
        helo: session.hostNameAppearsAs,
        sender: envelopeFrom,
      });
      if (verdict?.failure)
        options.logger.warn(
          { from, remote: session.remoteAddress, failure: verdict.failure, action: verdict.action },
          'mail failed its sender checks',
        );
      if (verdict?.action === 'reject')
        throw smtpError(550, `5.7.1 ${verdict.failure}; the message is refused`);
      await intake.ingest(
        {
          type,
          from: from ? `mailto:${from}` : `mailto:mailer-daemon@${options.hostname}`,
          to: session.envelope.rcptTo.map((r) => `mailto:${r.address}`),
          subject,
          durationMs,
          authResults: verdict?.results ?? null,
          ...(verdict?.action === 'junk' ? { folder: 'junk' } : {}),
        },
        parts,
      );
      options.logger.info(
        { from, rcpt: session.envelope.rcptTo.length, bytes: raw.length, type },
        'mail accepted',
      );
    }),
  });
  limitConnections(server, options);
  server.on('error', (err) => options.logger.warn({ err: err.message }, 'SMTP connection error'));
  return server;
}
