import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import { smtpError, type SmtpOptions } from './smtp-common.js';

type Limits = Pick<SmtpOptions, 'maxConnectionsPerIp' | 'maxCommandsBeforeData' | 'logger'>;

/**
 * Bounds one client address and one connection, which smtp-server leaves open where AUTH is
 * optional: its maxClients counts all clients together, and its maxAllowedUnauthenticatedCommands
 * only applies when AUTH is required. Without these a single host could hold every connection,
 * or probe mailbox after mailbox with RCPT on one connection and never send a message.
 * Refusals are 421, after which smtp-server closes the connection.
 */
export class ConnectionGuard {
  private readonly perAddress = new Map<string, number>();
  /** Connections that hold a slot in perAddress (refused ones never did). */
  private readonly admitted = new Set<string>();
  private readonly commands = new Map<string, number>();

  constructor(private readonly limits: Limits) {}

  /** A new connection: admitted unless its address already holds the limit. */
  connect(session: SMTPServerSession): Error | null {
    const address = session.remoteAddress;
    const open = this.perAddress.get(address) ?? 0;
    if (open >= this.limits.maxConnectionsPerIp) {
      this.limits.logger.warn(
        { remote: address, open },
        'SMTP connection refused: too many from one address',
      );
      return smtpError(
        421,
        `4.7.0 too many connections from ${address}; the limit is ${this.limits.maxConnectionsPerIp}, try again later`,
      );
    }
    this.perAddress.set(address, open + 1);
    this.admitted.add(session.id);
    return null;
  }

  close(session: SMTPServerSession): void {
    this.commands.delete(session.id);
    if (!this.admitted.delete(session.id)) return;
    const left = (this.perAddress.get(session.remoteAddress) ?? 1) - 1;
    if (left > 0) this.perAddress.set(session.remoteAddress, left);
    else this.perAddress.delete(session.remoteAddress);
  }

  /** A MAIL or RCPT command, refused or not: counts toward the limit before DATA. */
  command(session: SMTPServerSession): Error | null {
    const count = (this.commands.get(session.id) ?? 0) + 1;
    this.commands.set(session.id, count);
    if (count <= this.limits.maxCommandsBeforeData) return null;
    this.limits.logger.warn(
      { remote: session.remoteAddress, count },
      'SMTP connection closed: too many commands before DATA',
    );
    return smtpError(
      421,
      `4.7.0 too many MAIL and RCPT commands without a message; the limit is ${this.limits.maxCommandsBeforeData}`,
    );
  }

  /** DATA was reached: the connection made progress, its count starts again. */
  data(session: SMTPServerSession): void {
    this.commands.delete(session.id);
  }
}

/**
 * Puts the guard in front of a built server's hooks: onConnect and onClose keep the count per
 * address, onMailFrom and onRcptTo count commands, onData resets that count. The server's own
 * hooks run after the guard let the command through. Done on the built server, so each
 * transport keeps its own hooks as they are and only adds one call.
 */
export function limitConnections(server: SMTPServer, options: Limits): void {
  const guard = new ConnectionGuard(options);
  const own = {
    onConnect: server.onConnect.bind(server),
    onClose: server.onClose.bind(server),
    onMailFrom: server.onMailFrom.bind(server),
    onRcptTo: server.onRcptTo.bind(server),
    onData: server.onData.bind(server),
  };
  server.onConnect = (session, callback) => {
    const refused = guard.connect(session);
    if (refused) return callback(refused);
    own.onConnect(session, callback);
  };
  server.onClose = (session, callback) => {
    guard.close(session);
    own.onClose(session, callback);
  };
  server.onMailFrom = (address, session, callback) => {
    const refused = guard.command(session);
    if (refused) return callback(refused);
    own.onMailFrom(address, session, callback);
  };
  server.onRcptTo = (address, session, callback) => {
    const refused = guard.command(session);
    if (refused) return callback(refused);
    own.onRcptTo(address, session, callback);
  };
  server.onData = (stream, session, callback) => {
    guard.data(session);
    own.onData(stream, session, callback);
  };
}
