import { createRequire } from 'node:module';

/** The `smpp` package's client side, typed as far as the tests use it. */
export interface ClientPdu {
  command: string;
  command_status: number;
  sequence_number: number;
  [field: string]: any;
}
interface Session {
  on(event: 'pdu' | 'deliver_sm' | 'generic_nack', listener: (pdu: ClientPdu) => void): void;
  on(event: 'error' | 'close' | 'connect', listener: (err?: Error) => void): void;
  once(event: 'connect' | 'close', listener: () => void): void;
  send(pdu: unknown, callback?: (resp: ClientPdu) => void): boolean;
  close(): void;
  destroy(): void;
  socket: { destroyed: boolean };
  [command: string]: any;
}
interface Package {
  connect(options: { host: string; port: number }): Session;
  PDU: new (command: string, options: Record<string, unknown>) => unknown;
}
export const smpp = createRequire(import.meta.url)('smpp') as Package;

export const ESME = {
  ROK: 0x00,
  RINVCMDLEN: 0x02,
  RINVCMDID: 0x03,
  RINVBNDSTS: 0x04,
  RALYBND: 0x05,
  RINVSRCADR: 0x0a,
  RINVDSTADR: 0x0b,
  RBINDFAIL: 0x0d,
  RINVPASWD: 0x0e,
  RTHROTTLED: 0x58,
} as const;

/**
 * An application (ESME) on the `smpp` package's own Session: binds, submits, and keeps every
 * deliver_sm it gets, answering each with deliver_sm_resp.
 */
export class Esme {
  readonly delivered: ClientPdu[] = [];
  readonly nacks: ClientPdu[] = [];
  /** Every PDU received, in order. */
  readonly received: ClientPdu[] = [];
  closed = false;

  private constructor(readonly session: Session) {
    session.on('error', () => {});
    session.on('close', () => (this.closed = true));
    session.on('deliver_sm', (pdu) => {
      this.delivered.push(pdu);
      session.send((pdu as any).response());
    });
    session.on('generic_nack', (pdu) => this.nacks.push(pdu));
    session.on('pdu', (pdu) => this.received.push(pdu));
  }

  static async connect(port: number): Promise<Esme> {
    const session = smpp.connect({ host: '127.0.0.1', port });
    const esme = new Esme(session);
    await new Promise<void>((resolve, reject) => {
      session.once('connect', resolve);
      session.on('error', (err) => reject(err));
    });
    return esme;
  }

  /** Sends a request and gives its response (or generic_nack). */
  call(command: string, fields: Record<string, unknown> = {}): Promise<ClientPdu> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${command}`)), 10_000);
      this.session[command](fields, (resp: ClientPdu) => {
        clearTimeout(timer);
        resolve(resp);
      });
    });
  }

  bind(systemId: string, password: string, mode = 'bind_transceiver'): Promise<ClientPdu> {
    return this.call(mode, { system_id: systemId, password });
  }

  async waitFor<T>(what: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = what();
      if (value) return value;
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.session.destroy();
  }
}
