import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';

// The `smpp` package has no types; the simulator uses it as plain JavaScript.
const smpp = createRequire(import.meta.url)('smpp') as any;

/** One submit_sm the simulator took, decoded. */
export interface Submitted {
  id: string;
  from: string;
  to: string;
  dataCoding: number;
  esmClass: number;
  /** The concatenation header (reference, total, seq), if any. */
  part: { reference: number; total: number; seq: number } | null;
  /** The text of this part alone. */
  text: string;
  at: number;
}

/** What the simulator does with the next submits (tests change it as they go). */
export interface SmscBehaviour {
  /** Answer ESME_RTHROTTLED to this many submits first. */
  throttle: number;
  /** Drop the connection, unanswered, on this many submits (a window in flight lost). */
  dropOnSubmit: number;
  /** Send no delivery receipt for this many submits. */
  withholdReceipts: number;
  /** Receipt status word. */
  receiptStat: string;
}

/**
 * An SMSC for the tests, on the `smpp` package's server: binds (one system_id and password),
 * takes submit_sm (message ids in upper-case hex), sends delivery receipts quoting the id in
 * decimal (as some SMSCs do), answers enquire_link, and can deliver mobile-originated SMS to
 * the bound ESME. Throttling, dropped connections and missing receipts are scripted.
 */
export class SmscSimulator {
  readonly submitted: Submitted[] = [];
  readonly binds: Array<{ systemId: string; ok: boolean }> = [];
  readonly behaviour: SmscBehaviour = {
    throttle: 0,
    dropOnSubmit: 0,
    withholdReceipts: 0,
    receiptStat: 'DELIVRD',
  };
  /** deliver_sm answers, by sequence number. */
  readonly deliverAnswers = new Map<number, number>();
  private server: Server | null = null;
  private sessions: any[] = [];
  private nextId = 0x1f00;
  port = 0;

  constructor(
    private readonly systemId: string,
    private readonly password: string,
  ) {}

  async start(): Promise<this> {
    this.server = smpp.createServer((session: any) => {
      session.on('error', () => undefined);
      session.on('bind_transceiver', (pdu: any) => {
        const ok = pdu.system_id === this.systemId && pdu.password === this.password;
        this.binds.push({ systemId: pdu.system_id, ok });
        session.send(
          pdu.response({ command_status: ok ? 0 : smpp.ESME_RBINDFAIL, system_id: 'SIM' }),
        );
        if (!ok) return session.close();
        this.sessions.push(session);
      });
      session.on('close', () => (this.sessions = this.sessions.filter((s) => s !== session)));
      session.on('enquire_link', (pdu: any) => session.send(pdu.response()));
      session.on('unbind', (pdu: any) => {
        session.send(pdu.response());
        session.close();
      });
      session.on('deliver_sm_resp', (pdu: any) =>
        this.deliverAnswers.set(pdu.sequence_number, pdu.command_status),
      );
      session.on('submit_sm', (pdu: any) => this.submit(session, pdu));
    }) as Server;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  private submit(session: any, pdu: any): void {
    const b = this.behaviour;
    if (b.dropOnSubmit > 0) {
      b.dropOnSubmit -= 1;
      session.destroy();
      return;
    }
    if (b.throttle > 0) {
      b.throttle -= 1;
      session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
      return;
    }
    const id = (this.nextId++).toString(16).toUpperCase().padStart(8, '0');
    const sm = pdu.short_message;
    const udh = sm?.udh?.find((u: Buffer) => u[0] === 0x00);
    const text =
      typeof sm === 'string'
        ? sm
        : Buffer.isBuffer(sm?.message)
          ? sm.message.toString()
          : String(sm?.message ?? '');
    this.submitted.push({
      id,
      from: pdu.source_addr,
      to: pdu.destination_addr,
      dataCoding: pdu.data_coding,
      esmClass: pdu.esm_class,
      part: udh ? { reference: udh[2], total: udh[3], seq: udh[4] } : null,
      text,
      at: Date.now(),
    });
    session.send(pdu.response({ message_id: id }));
    if (!(pdu.registered_delivery & 1)) return;
    if (b.withholdReceipts > 0) {
      b.withholdReceipts -= 1;
      return;
    }
    const decimal = String(parseInt(id, 16));
    setTimeout(() => {
      session.deliver_sm({
        source_addr: pdu.destination_addr,
        destination_addr: pdu.source_addr,
        esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
        short_message: `id:${decimal} sub:001 dlvrd:001 submit date:2611261200 done date:2611261200 stat:${b.receiptStat} err:000 text:x`,
      });
    }, 50);
  }

  /** The texts of the messages submitted to `to`, parts joined in order. */
  texts(to: string): string[] {
    const out: string[] = [];
    const groups = new Map<string, Submitted[]>();
    for (const s of this.submitted.filter((x) => x.to === to)) {
      if (!s.part) {
        out.push(s.text);
        continue;
      }
      const key = `${s.part.reference}/${s.part.total}`;
      const g = groups.get(key) ?? [];
      g.push(s);
      groups.set(key, g);
      if (g.length === s.part.total) {
        out.push(
          g
            .sort((a, b) => a.part!.seq - b.part!.seq)
            .map((p) => p.text)
            .join(''),
        );
        groups.delete(key);
      }
    }
    return out;
  }

  /** Delivers a mobile-originated SMS (maybe in concatenated parts) to the bound ESME. */
  deliver(
    from: string,
    to: string,
    text: string,
    options: { parts?: Buffer[]; dataCoding?: number } = {},
  ): Promise<number[]> {
    const session = this.sessions[0];
    if (!session) throw new Error('no ESME is bound');
    const payloads = options.parts ?? [null];
    return Promise.all(
      payloads.map(
        (raw) =>
          new Promise<number>((resolve) =>
            session.deliver_sm(
              raw
                ? {
                    source_addr_ton: 1,
                    source_addr: from,
                    destination_addr: to,
                    esm_class: 0x40,
                    data_coding: options.dataCoding ?? 0,
                    short_message: raw,
                  }
                : {
                    source_addr_ton: 1,
                    source_addr: from,
                    destination_addr: to,
                    short_message: text,
                  },
              (resp: any) => resolve(resp.command_status),
            ),
          ),
      ),
    );
  }

  get bound(): number {
    return this.sessions.length;
  }

  /** Drops every bound ESME's connection (an SMSC restart). */
  dropAll(): void {
    for (const s of this.sessions) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/**
 * Adds an `sms` resource bound to the simulator (system_id `switchboard`, password `smpp-pw`,
 * notices from +15559900) and waits for Switchboard to bind; `resource` changes any field.
 */
export async function addSmscResource(
  admin: { post(path: string, body: unknown): Promise<{ status: number; body: any }> },
  smsc: SmscSimulator,
  resource: { config?: Record<string, unknown>; [field: string]: unknown } = {},
): Promise<void> {
  const { config, ...fields } = resource;
  const added = await admin.post('/api/v1/resources', {
    name: 'smsc',
    type: 'sms',
    secret: 'smpp-pw',
    messageTypes: ['*'],
    rates: [{ prefix: '+49', price: 0.07 }],
    currency: 'EUR',
    ...fields,
    config: {
      host: '127.0.0.1',
      port: smsc.port,
      systemId: 'switchboard',
      sourceAddr: '+15559900',
      receiptSeconds: 30,
      ...config,
    },
  });
  if (added.status !== 201) throw new Error(`the sms resource: ${JSON.stringify(added.body)}`);
  const deadline = Date.now() + 15_000;
  while (smsc.bound === 0) {
    if (Date.now() > deadline) throw new Error('Switchboard did not bind to the SMSC');
    await new Promise((r) => setTimeout(r, 100));
  }
}
