import { FrameReader, FramingError } from './frame-reader.js';
import { decodePdu, encodePdu, encodeResponse, isResponse, Status, type Pdu } from './smpp-wire.js';

export type BindMode = 'transmitter' | 'receiver' | 'transceiver';

/** The socket as a session sees it. */
export interface Transport {
  readonly remote: string;
  write(bytes: Buffer): void;
  /** Closes after what was written is sent. */
  end(): void;
}

/** An answer to submit_sm; `acknowledged` runs once the response is written (receipts go after it). */
export interface SubmitAnswer {
  status: number;
  messageId?: string;
  acknowledged?: () => void;
}

/** What a session asks of the server: credentials, submissions, and being forgotten. */
export interface SessionHost {
  /** ESME_ROK with the account's system_id, or the status to refuse with (logged by the host). */
  bind(session: SmppSession, systemId: string, password: string): Promise<number>;
  submit(session: SmppSession, pdu: Pdu): Promise<SubmitAnswer>;
  closed(session: SmppSession): void;
}

export interface SessionOptions {
  /** The system_id we answer binds with. */
  serverId: string;
  maxPduBytes: number;
  /** submit_sm being worked on at once; more are answered ESME_RMSGQFUL. */
  window: number;
  /** A connection that has not bound by then is closed. */
  bindTimeoutMs: number;
  /** A session that sends nothing (not even enquire_link) for this long is closed. */
  idleTimeoutMs: number;
  /** How long a deliver_sm waits for its deliver_sm_resp. */
  responseTimeoutMs: number;
}

export interface SessionLog {
  info(detail: Record<string, unknown>, msg: string): void;
  warn(detail: Record<string, unknown>, msg: string): void;
}

const BIND_MODES: Record<string, BindMode> = {
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
  bind_transceiver: 'transceiver',
};

/** Requests an ESME may send that we do not carry out: answered with their own _resp. */
const UNSUPPORTED_WITH_RESP = new Set([
  'submit_multi',
  'data_sm',
  'query_sm',
  'cancel_sm',
  'replace_sm',
  'deliver_sm',
  'broadcast_sm',
  'query_broadcast_sm',
  'cancel_broadcast_sm',
]);

interface Waiting {
  resolve(pdu: Pdu): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * One ESME connection (SMPP 3.4): open until it binds, then bound as transmitter, receiver or
 * transceiver until unbind or close. Every PDU gets an answer: generic_nack for an unknown or
 * unreadable one, ESME_RINVBNDSTS for one the state does not allow; a stream that cannot be
 * framed any more is answered generic_nack and closed. Nothing a peer sends throws out of here.
 */
export class SmppSession {
  state: 'open' | 'binding' | 'bound' | 'closed' = 'open';
  mode: BindMode | null = null;
  systemId: string | null = null;
  /** Set by the host at bind: which account, for its limits and receipts. */
  accountId: string | null = null;
  private readonly reader: FrameReader;
  private inFlight = 0;
  private sequence = 0;
  private readonly waiting = new Map<number, Waiting>();
  private bindTimer: NodeJS.Timeout | null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly host: SessionHost,
    private readonly options: SessionOptions,
    private readonly log: SessionLog,
  ) {
    this.reader = new FrameReader(options.maxPduBytes);
    this.bindTimer = setTimeout(() => this.expire('no bind in time'), options.bindTimeoutMs);
    this.bindTimer.unref();
    this.touch();
  }

  get remote(): string {
    return this.transport.remote;
  }

  /** Whether receipts (deliver_sm) may be sent here. */
  get receives(): boolean {
    return this.state === 'bound' && (this.mode === 'receiver' || this.mode === 'transceiver');
  }

  /** Bytes from the socket. */
  received(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.touch();
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      if (!(err instanceof FramingError)) throw err;
      this.log.warn({ remote: this.remote, error: err.message }, 'SMPP stream unreadable; closed');
      this.transport.write(encodePdu('generic_nack', 0, {}, Status.ESME_RINVCMDLEN));
      this.close();
      return;
    }
    for (const frame of frames) this.frame(frame);
  }

  /** Sends a request (deliver_sm) and waits for its response. */
  request(command: string, fields: Record<string, unknown>): Promise<Pdu> {
    if (this.state === 'closed') return Promise.reject(new Error('the session is closed'));
    this.sequence = this.sequence >= 0x7fffffff ? 1 : this.sequence + 1;
    const sequence = this.sequence;
    return new Promise<Pdu>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(sequence);
        reject(new Error(`no ${command}_resp within ${this.options.responseTimeoutMs} ms`));
      }, this.options.responseTimeoutMs);
      timer.unref();
      this.waiting.set(sequence, { resolve, reject, timer });
      this.transport.write(encodePdu(command, sequence, fields));
    });
  }

  /** The socket is gone (or we close it): forget everything waiting. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.bindTimer) clearTimeout(this.bindTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error('the session closed'));
    }
    this.waiting.clear();
    this.transport.end();
    this.host.closed(this);
  }

  private expire(reason: string): void {
    if (this.state === 'closed') return;
    this.log.info({ remote: this.remote, systemId: this.systemId, reason }, 'SMPP session closed');
    this.close();
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.expire('idle'), this.options.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private answer(pdu: Pick<Pdu, 'command' | 'sequence_number'>, status: number, fields = {}) {
    if (this.state !== 'closed') this.transport.write(encodeResponse(pdu, status, fields));
  }

  private frame(frame: Buffer): void {
    let pdu: Pdu;
    try {
      pdu = decodePdu(frame);
    } catch (err) {
      // The length was right, so the stream can go on; only this PDU is refused.
      this.log.warn({ remote: this.remote, error: (err as Error).message }, 'SMPP PDU unreadable');
      this.transport.write(
        encodePdu('generic_nack', frame.readUInt32BE(12), {}, Status.ESME_RINVCMDLEN),
      );
      return;
    }
    if (isResponse(pdu)) return this.response(pdu);
    void this.dispatch(pdu).catch((err: unknown) => {
      this.log.warn({ remote: this.remote, command: pdu.command, err }, 'SMPP request failed');
      this.answer(pdu, Status.ESME_RSYSERR);
    });
  }

  private response(pdu: Pdu): void {
    const waiting = this.waiting.get(pdu.sequence_number);
    if (!waiting) {
      if (pdu.command !== 'enquire_link_resp')
        this.log.warn(
          { remote: this.remote, command: pdu.command, sequence: pdu.sequence_number },
          'SMPP response to nothing we sent',
        );
      return;
    }
    this.waiting.delete(pdu.sequence_number);
    clearTimeout(waiting.timer);
    waiting.resolve(pdu);
  }

  private async dispatch(pdu: Pdu): Promise<void> {
    const mode = BIND_MODES[pdu.command];
    if (mode) return this.bind(pdu, mode);
    switch (pdu.command) {
      case 'enquire_link':
        return this.answer(pdu, Status.ESME_ROK);
      case 'unbind':
        this.answer(pdu, Status.ESME_ROK);
        this.log.info({ remote: this.remote, systemId: this.systemId }, 'SMPP unbind');
        return this.close();
      case 'submit_sm':
        return this.submit(pdu);
      case 'unknown':
        this.log.warn({ remote: this.remote, commandId: pdu.command_id }, 'SMPP unknown command');
        return this.answer(pdu, Status.ESME_RINVCMDID);
      default:
        if (this.state !== 'bound') return this.answer(pdu, Status.ESME_RINVBNDSTS);
        // A known command with a _resp gets its own; others (outbind, alert_notification) a nack.
        if (UNSUPPORTED_WITH_RESP.has(pdu.command)) return this.answer(pdu, Status.ESME_RINVCMDID);
        return this.answer(
          { command: 'unknown', sequence_number: pdu.sequence_number },
          Status.ESME_RINVCMDID,
        );
    }
  }

  private async bind(pdu: Pdu, mode: BindMode): Promise<void> {
    if (this.state !== 'open') return this.answer(pdu, Status.ESME_RALYBND);
    this.state = 'binding';
    const systemId = typeof pdu.system_id === 'string' ? pdu.system_id : '';
    const password = typeof pdu.password === 'string' ? pdu.password : '';
    this.mode = mode;
    this.systemId = systemId;
    const status = await this.host.bind(this, systemId, password);
    if ((this.state as string) === 'closed') return;
    if (status !== Status.ESME_ROK) {
      this.answer(pdu, status);
      // One try a connection: guessing costs a connection and a scrypt each time.
      return this.close();
    }
    this.state = 'bound';
    if (this.bindTimer) clearTimeout(this.bindTimer);
    this.bindTimer = null;
    // sc_interface_version 0x34: we speak SMPP 3.4, so the ESME may use TLVs.
    this.answer(pdu, Status.ESME_ROK, {
      system_id: this.options.serverId,
      sc_interface_version: 0x34,
    });
    this.log.info({ remote: this.remote, systemId, mode }, 'SMPP bound');
  }

  private async submit(pdu: Pdu): Promise<void> {
    if (this.state !== 'bound' || this.mode === 'receiver')
      return this.answer(pdu, Status.ESME_RINVBNDSTS);
    if (this.inFlight >= this.options.window) return this.answer(pdu, Status.ESME_RMSGQFUL);
    this.inFlight++;
    try {
      const answer = await this.host.submit(this, pdu);
      this.answer(pdu, answer.status, answer.messageId ? { message_id: answer.messageId } : {});
      if (answer.status === Status.ESME_ROK && (this.state as string) !== 'closed')
        answer.acknowledged?.();
    } finally {
      this.inFlight--;
    }
  }
}
