import { fileURLToPath } from 'node:url';
import { dnsHostResolver } from '../../src/channels/sip/calls/call-target.js';
import { OutboundCalls, type PlacedCall } from '../../src/channels/sip/calls/outbound-call.js';
import { SipServer } from '../../src/channels/sip/sip-server.js';
import type { FaxOutcome, FaxProgress } from '../../src/core/fax.js';
import { SpandspFaxEngine, type FaxProcessSession } from '../../src/media/fax-engine.js';

export const FAX_ENGINE = fileURLToPath(
  new URL('../../native/fax/build/switchboard-fax', import.meta.url),
);

const quiet = { info: () => undefined, warn: () => undefined };

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
      onPage?(progress: FaxProgress, session: FaxProcessSession): void;
    },
  ): Promise<{ outcome: FaxOutcome; call: PlacedCall; hungUpBy: 'remote' | 'local' }> {
    let session: FaxProcessSession | null = null;
    const early: Int16Array[] = [];
    const call = await this.calls.place(destination, {
      from: options.from,
      ringTimeoutMs: 10_000,
      events: { audio: (pcm) => (session ? session.hear(pcm) : early.push(pcm)) },
    });
    if ('failed' in call) throw new Error(`the fax call failed: ${call.status} ${call.reason}`);
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
    return { outcome, call, hungUpBy };
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
