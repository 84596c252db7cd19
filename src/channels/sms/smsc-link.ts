import { backoffMs } from '../../lib/backoff.js';
import { SMPP_STATUS, smppPackage, type SmppPdu, type SmppSession } from './smpp-package.js';

export interface SmscLinkOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  /** submit_sm sent and not yet answered at most (SMPP's window). */
  window: number;
  /** enquire_link when the link has been quiet this long; no answer within it drops the link. */
  enquireLinkMs: number;
  /** How long a submit waits for the link to be up and for its answer. */
  submitTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
}

/** What the SMSC said to a submit_sm: its message id, or an error status. */
export type SubmitResult = { messageId: string } | { status: number };

export interface SmscLinkEvents {
  /**
   * A deliver_sm (a receipt, an SMS, a reply): resolves with the command_status to answer,
   * only once what it carries is committed. It may take time (reassembling parts).
   */
  deliver(pdu: SmppPdu): Promise<number>;
  log(event: string, detail: object): void;
  state?(state: LinkState): void;
}

export type LinkState = 'connecting' | 'bound' | 'down' | 'closed';

class LinkDown extends Error {}

/**
 * One resource's bind to an SMSC as an ESME (SMPP 3.4 bind_transceiver), kept up: bound again
 * with backoff when it drops or the bind is refused; an enquire_link when quiet, the link given up
 * when the SMSC stops answering. Submits wait for a free place in the window; those in flight
 * when the link drops fail with "disconnected" (the queue tries them again; the SMSC may or may
 * not have taken them, which SMPP cannot tell). Every session has an `error` listener: the
 * package throws from its socket otherwise.
 */
export class SmscLink {
  private session: SmppSession | null = null;
  private state: LinkState = 'down';
  private attempts = 0;
  private reconnect: NodeJS.Timeout | null = null;
  private enquire: NodeJS.Timeout | null = null;
  private lastHeard = 0;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly pending = new Map<number, (err: Error | null) => void>();
  private upWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    readonly options: SmscLinkOptions,
    private readonly events: SmscLinkEvents,
  ) {}

  get bound(): boolean {
    return this.state === 'bound';
  }

  get current(): LinkState {
    return this.state;
  }

  start(): void {
    if (this.closed || this.session) return;
    this.setState('connecting');
    const o = this.options;
    const session = smppPackage().connect({ host: o.host, port: o.port });
    this.session = session;
    session.on('error', (err: Error) =>
      this.events.log('SMSC link error', { smsc: `${o.host}:${o.port}`, err: err.message }),
    );
    session.on('close', () => this.dropped(session, 'the connection closed'));
    session.on('pdu', () => (this.lastHeard = Date.now()));
    session.on('connect', () => {
      session.socket.setKeepAlive?.(true, 30_000);
      session.bind_transceiver(
        {
          system_id: o.systemId,
          password: o.password,
          system_type: o.systemType ?? '',
          interface_version: 0x34,
        },
        (pdu) => {
          if (pdu.command_status !== SMPP_STATUS.ROK) {
            this.events.log('SMSC refused the bind', {
              smsc: `${o.host}:${o.port}`,
              systemId: o.systemId,
              status: pdu.command_status,
            });
            session.destroy();
            return;
          }
          this.attempts = 0;
          this.setState('bound');
          this.events.log('SMSC bound', { smsc: `${o.host}:${o.port}`, systemId: o.systemId });
          this.keepAlive(session);
          for (const up of this.upWaiters.splice(0)) up();
        },
      );
    });
    session.on('enquire_link', (pdu: SmppPdu) => session.send(pdu.response()));
    session.on('unbind', (pdu: SmppPdu) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('deliver_sm', (pdu: SmppPdu) => {
      void this.events
        .deliver(pdu)
        .catch((err: unknown) => {
          this.events.log('deliver_sm could not be handled', { err: (err as Error).message });
          // A temporary application error: the SMSC offers it again later.
          return SMPP_STATUS.RX_T_APPN;
        })
        .then((status) => {
          if (this.session === session) session.send(pdu.response({ command_status: status }));
        });
    });
  }

  private keepAlive(session: SmppSession): void {
    this.lastHeard = Date.now();
    const every = this.options.enquireLinkMs;
    this.enquire = setInterval(
      () => {
        if (this.session !== session) return;
        const quiet = Date.now() - this.lastHeard;
        if (quiet >= 2 * every) {
          this.events.log('SMSC stopped answering; dropping the link', { quietMs: quiet });
          session.destroy();
          return;
        }
        if (quiet >= every) session.enquire_link({}, () => undefined);
      },
      Math.max(100, Math.floor(every / 2)),
    );
  }

  private dropped(session: SmppSession, why: string): void {
    if (this.session !== session) return;
    this.session = null;
    if (this.enquire) clearInterval(this.enquire);
    this.enquire = null;
    const was = this.state;
    // Submits in flight are lost to us: fail them so the queue tries again.
    for (const fail of [...this.pending.values()]) fail(new LinkDown(`SMSC link lost: ${why}`));
    this.pending.clear();
    if (this.closed) {
      this.setState('closed');
      return;
    }
    this.setState('down');
    this.attempts += 1;
    const wait = backoffMs(
      this.attempts,
      this.options.reconnectBaseMs,
      this.options.reconnectMaxMs,
    );
    if (was === 'bound') this.events.log('SMSC link down', { why, reconnectInMs: wait });
    this.reconnect = setTimeout(() => {
      this.reconnect = null;
      this.start();
    }, wait);
  }

  /** Sends one submit_sm and resolves with the SMSC's answer; throws when the link is not there. */
  async submit(fields: Record<string, unknown>): Promise<SubmitResult> {
    const deadline = Date.now() + this.options.submitTimeoutMs;
    await this.until(() => this.state === 'bound', deadline, 'the SMSC link is not up');
    await this.slot(deadline);
    try {
      const session = this.session;
      if (!session || this.state !== 'bound') throw new LinkDown('the SMSC link is not up');
      return await new Promise<SubmitResult>((resolve, reject) => {
        let sequence = -1;
        const timer = setTimeout(
          () => {
            this.pending.delete(sequence);
            reject(new Error(`no submit_sm_resp within ${this.options.submitTimeoutMs} ms`));
          },
          Math.max(1, deadline - Date.now()),
        );
        const sent = session.submit_sm(fields, (pdu) => {
          clearTimeout(timer);
          this.pending.delete(pdu.sequence_number);
          resolve(
            pdu.command_status === SMPP_STATUS.ROK
              ? { messageId: String(pdu.message_id ?? '') }
              : { status: pdu.command_status },
          );
        });
        if (!sent) {
          clearTimeout(timer);
          reject(new LinkDown('the SMSC link is not writable'));
          return;
        }
        // The package numbered the PDU as it sent it; its sequence is the newest one.
        sequence = (session as unknown as { sequence: number }).sequence;
        this.pending.set(sequence, (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
    } finally {
      this.inFlight -= 1;
      this.waiting.shift()?.();
    }
  }

  private until(ready: () => boolean, deadline: number, what: string): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new LinkDown(what)),
        Math.max(0, deadline - Date.now()),
      );
      this.upWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private slot(deadline: number): Promise<void> {
    if (this.inFlight < this.options.window) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const take = () => {
        clearTimeout(timer);
        this.inFlight += 1;
        resolve();
      };
      const timer = setTimeout(
        () => {
          const i = this.waiting.indexOf(take);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new Error('the SMSC window stayed full'));
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiting.push(take);
    });
  }

  private setState(state: LinkState): void {
    this.state = state;
    this.events.state?.(state);
  }

  /** Unbinds (briefly waiting for the answer) and stops reconnecting. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    const session = this.session;
    if (!session) {
      this.setState('closed');
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      const done = () => (clearTimeout(timer), resolve());
      if (this.state === 'bound' && session.socket.writable)
        session.unbind({}, () => session.close(done));
      else done();
    });
    session.destroy();
  }
}
