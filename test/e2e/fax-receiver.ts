import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { g711 } from '../../src/channels/sip/media/g711.js';
import { RtpSession } from '../../src/channels/sip/media/rtp-session.js';
import {
  buildAnswer,
  chooseFormats,
  parseAudioOffer,
} from '../../src/channels/sip/protocol/sdp.js';
import { newTag, responseTo } from '../../src/channels/sip/responses.js';
import { SipServer } from '../../src/channels/sip/sip-server.js';
import type { FaxOutcome } from '../../src/core/fax.js';
import { SpandspFaxEngine, type FaxProcessSession } from '../../src/media/fax-engine.js';
import { FAX_ENGINE } from './fax-sender.js';

const quiet = { info: () => undefined, warn: () => undefined };

export interface ReceivedFaxCall {
  file: string;
  outcome: FaxOutcome;
  /** The INVITE's Request-URI and From. */
  uri: string;
  from: string;
}

/**
 * A test fax machine that answers: a SIP leg of its own on loopback that takes INVITEs (G.711),
 * and spandsp receiving (the same helper the server runs) into a TIFF per call. It answers
 * `busy` calls in a row with 486 first, as a line in use does; it never hangs up itself (the
 * sending side does, after its phase E).
 */
export class TestFaxReceiver {
  readonly received: ReceivedFaxCall[] = [];
  busy = 0;
  refused = 0;
  private calls = new Map<string, { session: FaxProcessSession; rtp: RtpSession }>();
  private count = 0;

  private constructor(
    private readonly sip: SipServer,
    private readonly dir: string,
    private readonly ident: string,
  ) {}

  get port(): number {
    return this.sip.local().port;
  }

  static async start(dir: string, ident: string): Promise<TestFaxReceiver> {
    const sip = new SipServer({
      host: '127.0.0.1',
      port: 0,
      publicHost: null,
      maxMessageBytes: 65_536,
      logger: quiet,
    });
    const receiver = new TestFaxReceiver(sip, dir, ident);
    sip.handle('INVITE', (request, peer) => receiver.invite(request, peer));
    sip.handle('BYE', (request, peer) => {
      const call = receiver.calls.get(request.headers.get('call-id') ?? '');
      call?.session.stop();
      return responseTo(request, peer, call ? 200 : 481);
    });
    await sip.listen();
    return receiver;
  }

  private async invite(
    request: Parameters<Parameters<SipServer['handle']>[1]>[0],
    peer: Parameters<Parameters<SipServer['handle']>[1]>[1],
  ) {
    if (this.busy > 0) {
      this.busy--;
      this.refused++;
      return responseTo(request, peer, 486);
    }
    const offer = parseAudioOffer(request.body.toString('utf8'));
    const { codec } = chooseFormats(offer);
    if (!codec) return responseTo(request, peer, 488);
    let session: FaxProcessSession | null = null;
    const rtp = new RtpSession(g711(codec.name), codec.payload, null, {
      audio: (pcm) => session?.hear(pcm),
      digit: () => undefined,
    });
    const port = await rtp.open('127.0.0.1');
    rtp.connect(offer.address, offer.port);
    const file = join(this.dir, `received-${++this.count}.tif`);
    const started = new SpandspFaxEngine({ binary: FAX_ENGINE }).receive(file, {
      ident: this.ident,
      send: (pcm) => rtp.send(pcm),
    });
    session = started;
    const callId = request.headers.get('call-id')!;
    this.calls.set(callId, { session: started, rtp });
    void started.done.then(async (outcome) => {
      await rtp.close();
      this.received.push({
        file,
        outcome,
        uri: request.uri,
        from: request.headers.get('from') ?? '',
      });
    });
    const local = this.sip.local();
    return responseTo(
      request,
      peer,
      200,
      [
        ['Contact', `<sip:fax@${local.host}:${local.port}>`],
        ['Content-Type', 'application/sdp'],
      ],
      {
        toTag: newTag(),
        body: Buffer.from(
          buildAnswer({
            address: '127.0.0.1',
            port,
            sessionId: randomInt(1e9),
            codec,
            dtmf: null,
          }),
        ),
      },
    );
  }

  async close(): Promise<void> {
    for (const { session } of this.calls.values()) session.stop();
    await this.sip.close();
  }
}
