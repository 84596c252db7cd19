import { randomBytes, randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dnsHostResolver } from '../../src/channels/sip/calls/call-target.js';
import { offerT38 } from '../../src/channels/sip/calls/fax-t38.js';
import { OutboundCalls, type PlacedCall } from '../../src/channels/sip/calls/outbound-call.js';
import { UdptlSession } from '../../src/channels/sip/media/udptl-session.js';
import { describeT38 } from '../../src/channels/sip/protocol/sdp-t38.js';
import { serializeUdptl, type UdptlStats } from '../../src/channels/sip/protocol/udptl.js';
import { SipServer } from '../../src/channels/sip/sip-server.js';
import type { FaxOutcome, FaxProgress } from '../../src/core/fax.js';
import { SpandspFaxEngine, type FaxProcessSession } from '../../src/media/fax-engine.js';
import type { FaxHelperSession } from '../../src/media/fax-helper.js';

export const FAX_ENGINE = fileURLToPath(
  new URL('../../native/fax/build/switchboard-fax', import.meta.url),
);

const quiet = { info: () => undefined, warn: () => undefined };

/** How a T.38 sender behaves (`send`'s `t38` option). */
export interface SenderT38 {
  /** The offer's T38FaxVersion (0 unless a test plays an offer that must be refused). */
  version?: number;
  /**
   * After this many pages confirmed, what it sends turns to garbage: random datagrams, UDPTL
   * with IFP packets cut short, UDPTL with random IFP packets, every 20 ms and in place of
   * what its engine makes. It keeps the call up, sending that, for `garbleForMs` (then it hangs
   * up), unless the receiver ends the call first.
   */
  garbleAfterPage?: number;
  garbleForMs?: number;
}

/** One garbled datagram in place of the IFP packet `ifp`, of three kinds in turn. */
function garbage(n: number, ifp: Buffer): Buffer {
  const seq = randomInt(65536);
  if (n % 3 === 0) return randomBytes(randomInt(1, 60));
  if (n % 3 === 1)
    return serializeUdptl({
      seq,
      primary: ifp.subarray(0, Math.ceil(ifp.length / 2)),
      secondary: [],
    });
  return serializeUdptl({ seq, primary: randomBytes(randomInt(1, 40)), secondary: [] });
}

/**
 * A test fax machine: spandsp sending a TIFF F (the same helper the server runs, in send mode)
 * behind a SIP leg of its own on loopback, which calls a number and carries G.711 RTP to and
 * from whoever answers. It hangs up when its fax ends, or when its engine dies.
 */
export class TestFaxSender {
  private constructor(
    private readonly sip: SipServer,
    private readonly calls: OutboundCalls,
  ) {}

  /**
   * Offers T.38 in the answered call; when taken, sends `tiff` over UDPTL (garbled as `t38`
   * asks); how it was refused otherwise (the caller then sends over G.711).
   */
  private async overT38(
    call: PlacedCall,
    tiff: string,
    t38: SenderT38,
    options: { ident: string; onPage?(progress: FaxProgress, session: FaxHelperSession): void },
  ): Promise<
    | { session: FaxHelperSession; udptl: UdptlSession; garbled: Promise<void> | null }
    | { refused: { status: number | null; reason: string } }
  > {
    const local = this.sip.local();
    const sdp = describeT38({ address: '127.0.0.1', port: call.rtp.port, sessionId: 1 }).replace(
      'T38FaxVersion:0',
      `T38FaxVersion:${t38.version ?? 0}`,
    );
    const answer = await offerT38(call.dialog, this.sip.transactions, local, sdp);
    if ('refused' in answer) return { refused: { status: answer.refused, reason: answer.reason } };
    const udptl = new UdptlSession(call.rtp, answer.accepted);
    let garbling = false;
    let garbled = 0;
    let garbageDone: () => void = () => undefined;
    const garbledFor =
      t38.garbleAfterPage === undefined
        ? null
        : new Promise<void>((resolve) => (garbageDone = resolve));
    const session = new SpandspFaxEngine({ binary: FAX_ENGINE }).sendT38(tiff, {
      ident: options.ident,
      sendIfp: (ifp) => (garbling ? udptl.sendRaw(garbage(garbled++, ifp)) : udptl.send(ifp)),
      page: (p) => {
        options.onPage?.(p, session);
        if (t38.garbleAfterPage !== undefined && p.pages >= t38.garbleAfterPage && !garbling) {
          garbling = true;
          const pump = setInterval(() => udptl.sendRaw(garbage(garbled++, randomBytes(20))), 20);
          const stop = () => {
            clearInterval(pump);
            clearTimeout(limit);
            garbageDone();
          };
          const limit = setTimeout(stop, t38.garbleForMs ?? 20_000);
          void call.ended.then(stop);
        }
      },
    });
    udptl.listen((seq, ifp) => session.ifp(seq, ifp));
    return { session, udptl, garbled: garbledFor };
  }

  static async start(): Promise<TestFaxSender> {
    const sip = new SipServer({
      host: '127.0.0.1',
      port: 0,
      publicHost: null,
      maxMessageBytes: 65_536,
      logger: quiet,
    });
    const calls = new OutboundCalls({
      transactions: sip.transactions,
      local: () => sip.local(),
      rtpHost: () => '127.0.0.1',
      resolve: dnsHostResolver(),
      log: () => undefined,
    });
    sip.handle('BYE', (request, peer) => calls.bye(request, peer)!);
    await sip.listen();
    return new TestFaxSender(sip, calls);
  }

  /**
   * Calls `destination` and sends `tiff`; resolves with how the sending side saw it. `onPage`
   * runs after each page the receiver confirmed, with the session (to stop it, as a machine
   * that fails mid-document).
   */
  async send(
    destination: string,
    tiff: string,
    options: {
      ident: string;
      from: string;
      onPage?(progress: FaxProgress, session: FaxHelperSession): void;
      /** Offer T.38 once answered (re-INVITE) and send over UDPTL when it is taken. */
      t38?: SenderT38;
    },
  ): Promise<{
    outcome: FaxOutcome;
    call: PlacedCall;
    hungUpBy: 'remote' | 'local';
    /** With `t38`: whether the offer was taken, or how it was refused, and UDPTL's figures. */
    t38Refused?: { status: number | null; reason: string };
    udptl?: UdptlStats;
  }> {
    let session: FaxProcessSession | null = null;
    const early: Int16Array[] = [];
    const call = await this.calls.place(destination, {
      from: options.from,
      ringTimeoutMs: 10_000,
      events: { audio: (pcm) => (session ? session.hear(pcm) : early.push(pcm)) },
    });
    if ('failed' in call) throw new Error(`the fax call failed: ${call.status} ${call.reason}`);
    let t38Refused: { status: number | null; reason: string } | undefined;
    if (options.t38) {
      const t38 = await this.overT38(call, tiff, options.t38, options);
      if ('session' in t38) {
        const running = t38.session;
        let hungUpBy: 'remote' | 'local' = 'local';
        void call.ended.then((end) => {
          hungUpBy = end.by;
          running.stop();
        });
        const outcome = await running.done;
        // A garbling machine keeps the call up, garbling, whatever its engine thinks.
        if (t38.garbled && outcome.pages >= (options.t38.garbleAfterPage ?? 0)) await t38.garbled;
        await call.hangUp();
        return { outcome, call, hungUpBy, udptl: t38.udptl.stats };
      }
      t38Refused = t38.refused;
    }
    const started: FaxProcessSession = new SpandspFaxEngine({ binary: FAX_ENGINE }).send(tiff, {
      ident: options.ident,
      send: (pcm) => call.rtp.send(pcm),
      page: (p) => options.onPage?.(p, started),
    });
    session = started;
    for (const pcm of early) started.hear(pcm);
    let hungUpBy: 'remote' | 'local' = 'local';
    void call.ended.then((end) => {
      hungUpBy = end.by;
      started.stop();
    });
    const outcome = await started.done;
    await call.hangUp();
    return { outcome, call, hungUpBy, ...(t38Refused ? { t38Refused } : {}) };
  }

  async close(): Promise<void> {
    await this.calls.close();
    await this.sip.close();
  }

  /**
   * A caller that sends nothing but silence: calls `destination` and plays silent G.711 frames
   * (every 20 ms) for up to `maxMs`, hanging up itself then unless the far end did first.
   * Resolves with who hung up, after how long, and how many of the frames heard carried sound
   * (a fax answering sends its CED and DIS tones).
   */
  async sendSilence(
    destination: string,
    options: { from: string; maxMs: number },
  ): Promise<{ hungUpBy: 'remote' | 'local'; ms: number; framesWithSound: number }> {
    let framesWithSound = 0;
    const call = await this.calls.place(destination, {
      from: options.from,
      ringTimeoutMs: 10_000,
      events: {
        audio: (pcm) => {
          let energy = 0;
          for (const s of pcm) energy += s * s;
          // Above about -40 dBFS.
          if (Math.sqrt(energy / pcm.length) > 330) framesWithSound++;
        },
      },
    });
    if ('failed' in call) throw new Error(`the call failed: ${call.status} ${call.reason}`);
    await call.rtp.play(new Int16Array((options.maxMs / 1000) * 8000), call.signal);
    const ended = await Promise.race([call.ended, Promise.resolve(null)]);
    if (!ended) await call.hangUp();
    const end = await call.ended;
    return { hungUpBy: end.by, ms: end.at - call.answeredAt, framesWithSound };
  }

  /**
   * `send` until a fax goes through whole, at most `tries` calls, as a fax machine redials: on a
   * loaded test machine two spandsp ends now and then lose T.30's timing (an ECM response late).
   * Gives the last attempt and how many there were.
   */
  async sendWhole(
    destination: string,
    tiff: string,
    options: { ident: string; from: string },
    tries = 3,
  ): Promise<Awaited<ReturnType<TestFaxSender['send']>> & { attempts: number }> {
    for (let attempt = 1; ; attempt++) {
      const sent = await this.send(destination, tiff, options);
      if (sent.outcome.ok || attempt >= tries) return { ...sent, attempts: attempt };
    }
  }
}
