import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { offerT38 } from '../../src/channels/sip/calls/fax-t38.js';
import { g711 } from '../../src/channels/sip/media/g711.js';
import { RtpSession } from '../../src/channels/sip/media/rtp-session.js';
import { UdptlSession } from '../../src/channels/sip/media/udptl-session.js';
import { describeT38, parseT38Offer } from '../../src/channels/sip/protocol/sdp-t38.js';
import type { UdptlStats } from '../../src/channels/sip/protocol/udptl.js';
import { parseNameAddr } from '../../src/channels/sip/protocol/uri.js';
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

interface CallState {
  session: { stop(): void; readonly done: Promise<FaxOutcome> };
  rtp: RtpSession;
  file: string;
  t38: { taken: boolean; status: number | null; udptl: UdptlStats | null } | null;
}

export interface ReceivedFaxCall {
  file: string;
  outcome: FaxOutcome;
  /** The INVITE's Request-URI and From. */
  uri: string;
  from: string;
  /** With `t38`: how its offer went (taken, or the status it got) and UDPTL's figures. */
  t38?: { taken: boolean; status: number | null; udptl: UdptlStats | null };
}

/**
 * A test fax machine that answers: a SIP leg of its own on loopback that takes INVITEs (G.711),
 * and spandsp receiving (the same helper the server runs) into a TIFF per call. It answers
 * `busy` calls in a row with 486 first, as a line in use does; it never hangs up itself (the
 * sending side does, after its phase E). With `t38` on, it re-INVITEs to T.38 once answered,
 * as a fax gateway does, and receives over UDPTL when that is taken.
 */
export class TestFaxReceiver {
  readonly received: ReceivedFaxCall[] = [];
  busy = 0;
  refused = 0;
  /** Offer T.38 (re-INVITE) on the calls it answers from now on. */
  t38 = false;
  /** Take a T.38 offer (re-INVITE) in a call; off, it is refused with 488. */
  takeT38 = false;
  private calls = new Map<string, CallState>();
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
    const existing = this.calls.get(request.headers.get('call-id') ?? '');
    if (existing) return this.reinvited(existing, request, peer);
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
    const entry: CallState = { session: started, rtp, file, t38: null };
    this.calls.set(callId, entry);
    const toTag = newTag();
    const offered = this.t38
      ? this.offerT38(request, peer, toTag, rtp, `${file}.t38.tif`, (t38Session) => {
          session = null;
          entry.session = t38Session;
          entry.file = `${file}.t38.tif`;
          started.stop();
        })
      : null;
    void (async () => {
      // A session that gives way to T.38 is followed by the next; the one running last is the fax.
      let current = entry.session;
      let outcome = await current.done;
      if (offered) entry.t38 = await offered;
      while (entry.session !== current) {
        current = entry.session;
        outcome = await current.done;
      }
      await rtp.close();
      this.received.push({
        file: entry.file,
        outcome,
        uri: request.uri,
        from: request.headers.get('from') ?? '',
        ...(entry.t38 ? { t38: entry.t38 } : {}),
      });
    })();
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
        toTag,
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

  /** A re-INVITE in a call: a T.38 offer is taken when `takeT38` is on, else refused (488). */
  private reinvited(
    entry: CallState,
    request: Parameters<Parameters<SipServer['handle']>[1]>[0],
    peer: Parameters<Parameters<SipServer['handle']>[1]>[1],
  ) {
    const offer = parseT38Offer(request.body.toString('utf8'));
    if (!offer || !this.takeT38) {
      entry.t38 = { taken: false, status: 488, udptl: null };
      return responseTo(request, peer, 488);
    }
    const udptl = new UdptlSession(entry.rtp, offer);
    const file = `${entry.file}.t38.tif`;
    const session = new SpandspFaxEngine({ binary: FAX_ENGINE }).receiveT38(file, {
      ident: this.ident,
      sendIfp: (ifp) => udptl.send(ifp),
    });
    udptl.listen((seq, ifp) => session.ifp(seq, ifp));
    const audio = entry.session;
    entry.session = session;
    entry.file = file;
    entry.t38 = { taken: true, status: 200, udptl: udptl.stats };
    audio.stop();
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
        body: Buffer.from(
          describeT38({ address: '127.0.0.1', port: entry.rtp.port, sessionId: 3 }),
        ),
      },
    );
  }

  /**
   * Half a second after answering (the ACK has come on loopback), offers T.38 in the call as
   * the called side, and receives into `file` over UDPTL when it is taken.
   */
  private async offerT38(
    request: Parameters<Parameters<SipServer['handle']>[1]>[0],
    peer: Parameters<Parameters<SipServer['handle']>[1]>[1],
    toTag: string,
    rtp: RtpSession,
    file: string,
    switched: (session: { stop(): void; done: Promise<FaxOutcome> }) => void,
  ): Promise<{ taken: boolean; status: number | null; udptl: UdptlStats | null }> {
    await new Promise((r) => setTimeout(r, 500));
    const contact = request.headers.get('contact');
    const dialog = {
      callId: request.headers.get('call-id')!,
      localTag: toTag,
      remote: request.headers.get('from')!,
      local: `${request.headers.get('to')!};tag=${toTag}`,
      remoteTarget: contact ? parseNameAddr(contact).uri : `sip:${peer.address}:${peer.port}`,
      target: { transport: 'UDP' as const, address: peer.address, port: peer.port },
      cseq: randomInt(1, 10_000),
    };
    const sdp = describeT38({ address: '127.0.0.1', port: rtp.port, sessionId: 2 });
    const answer = await offerT38(dialog, this.sip.transactions, this.sip.local(), sdp);
    if ('refused' in answer) return { taken: false, status: answer.refused, udptl: null };
    const udptl = new UdptlSession(rtp, answer.accepted);
    const session = new SpandspFaxEngine({ binary: FAX_ENGINE }).receiveT38(file, {
      ident: this.ident,
      sendIfp: (ifp) => udptl.send(ifp),
    });
    udptl.listen((seq, ifp) => session.ifp(seq, ifp));
    switched(session);
    return { taken: true, status: 200, udptl: udptl.stats };
  }

  async close(): Promise<void> {
    for (const { session } of this.calls.values()) session.stop();
    await this.sip.close();
  }
}
