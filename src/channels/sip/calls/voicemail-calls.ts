import { randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientTransactions } from '../client-transactions.js';
import { g711 } from '../media/g711.js';
import { RtpSession } from '../media/rtp-session.js';
import { WavRecorder } from '../media/wav-file.js';
import type { SipRequest, SipResponse } from '../protocol/message.js';
import { SipParseError } from '../protocol/message.js';
import { buildAnswer, chooseFormats, parseAudioOffer } from '../protocol/sdp.js';
import { parseNameAddr, parseUri } from '../protocol/uri.js';
import { newTag, responseTo } from '../responses.js';
import type { SipPeer } from '../transport.js';
import { Deposit } from './deposit.js';
import { hangUp, type Dialog } from './dialog.js';

/** Whose mailbox a call reaches, resolved from the number or SIP URI called. */
export interface Mailbox {
  subscriberId: string;
  address: string;
  language: string;
}

export interface VoicemailCallDeps {
  mailboxFor(uri: string): Promise<Mailbox | null>;
  /** The subscriber's own unavailable greeting as 8 kHz samples, or null. */
  greeting(subscriberId: string): Promise<Int16Array | null>;
  /** The spoken default greeting, 8 kHz samples. */
  defaultGreeting(language: string): Promise<Int16Array>;
  /** Commits a finished recording as a voice message; the file is the WAV. */
  store(message: { from: string; to: string; file: string; durationMs: number }): Promise<void>;
  transactions: ClientTransactions;
  local(): { host: string; port: number };
  /** The address RTP listens on and the SDP answer names. */
  rtpHost(): string;
  recordingsDir: string;
  maxRecordingMs: number;
  minRecordingMs: number;
  log(event: string, detail: object): void;
}

interface Call {
  dialog: Dialog;
  rtp: RtpSession;
  deposit: Deposit;
  acked: boolean;
}

/** RFC 3261 13.3.1.4: the 200 is resent until the ACK comes, 500 ms doubling up to 4 s. */
function retransmitUntilAcked(call: Call, send: () => void): void {
  let wait = 500;
  const again = () => {
    if (call.acked || wait > 32_000) return;
    send();
    wait = Math.min(wait * 2, 4000);
    setTimeout(again, wait).unref();
  };
  setTimeout(again, wait).unref();
}

/**
 * Calls to subscribers' numbers and SIP URIs land in voicemail: answered with G.711 (PCMU or
 * PCMA, whichever the caller prefers), the greeting, the beep, a recording written to disk as it
 * arrives, committed as a voice message when the call ends. Caller ids are shown as given; they
 * are not trusted for anything.
 */
export class VoicemailCalls {
  private readonly calls = new Map<string, Call>();

  constructor(private readonly deps: VoicemailCallDeps) {}

  async invite(request: SipRequest, peer: SipPeer): Promise<SipResponse> {
    const callId = request.headers.get('call-id')!;
    const existing = this.calls.get(callId);
    if (existing) return responseTo(request, peer, 491, [], { reason: 'Request Pending' });
    if (!/application\/sdp/i.test(request.headers.get('content-type') ?? ''))
      return responseTo(request, peer, 488, [], { reason: 'An SDP offer is needed' });
    let offer;
    try {
      offer = parseAudioOffer(request.body.toString('utf8'));
    } catch (err) {
      if (err instanceof SipParseError)
        return responseTo(request, peer, 488, [], { reason: err.message });
      throw err;
    }
    const { codec, dtmf } = chooseFormats(offer);
    if (!codec) return responseTo(request, peer, 488, [], { reason: 'PCMU or PCMA needed' });
    let mailbox: Mailbox | null = null;
    try {
      mailbox = await this.deps.mailboxFor(request.uri);
    } catch {
      mailbox = null;
    }
    if (!mailbox) return responseTo(request, peer, 404);

    const localTag = newTag();
    const deposit: { current: Deposit | null } = { current: null };
    const rtp = new RtpSession(g711(codec.name), codec.payload, dtmf?.payload ?? null, {
      audio: (pcm) => deposit.current?.audio(pcm),
      digit: (d) => deposit.current?.digit(d),
    });
    const rtpPort = await rtp.open(this.deps.rtpHost());
    rtp.connect(offer.address, offer.port);
    const file = join(
      this.deps.recordingsDir,
      `${callId.replace(/[^\w.-]/g, '_')}-${randomInt(1e9)}.wav`,
    );
    const recorder = new WavRecorder(file);
    deposit.current = new Deposit(rtp, recorder, this.deps.maxRecordingMs);
    const contact = request.headers.get('contact');
    const call: Call = {
      dialog: {
        callId,
        localTag,
        remote: request.headers.get('from')!,
        local: `${request.headers.get('to')!};tag=${localTag}`,
        remoteTarget: contact ? parseNameAddr(contact).uri : `sip:${peer.address}:${peer.port}`,
        target: { transport: peer.transport, address: peer.address, port: peer.port },
        cseq: randomInt(1, 10_000),
      },
      rtp,
      deposit: deposit.current,
      acked: false,
    };
    this.calls.set(callId, call);
    const local = this.deps.local();
    const answer = responseTo(
      request,
      peer,
      200,
      [
        ['Contact', `<sip:voicemail@${local.host}:${local.port}>`],
        ['Content-Type', 'application/sdp'],
        ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS'],
      ],
      {
        toTag: localTag,
        body: Buffer.from(
          buildAnswer({
            address: this.deps.rtpHost(),
            port: rtpPort,
            sessionId: randomInt(1e9),
            codec,
            dtmf,
          }),
        ),
      },
    );
    if (peer.transport === 'UDP') retransmitUntilAcked(call, () => peer.send(answer));
    const from = parseNameAddr(request.headers.get('from')!);
    this.deps.log('voicemail call answered', {
      call: callId,
      mailbox: mailbox.subscriberId,
      codec: codec.name,
    });
    void this.run(call, mailbox, file, recorder, callerOf(from.uri));
    return answer;
  }

  ack(request: SipRequest): void {
    const call = this.calls.get(request.headers.get('call-id') ?? '');
    if (call) call.acked = true;
  }

  bye(request: SipRequest, peer: SipPeer): SipResponse {
    const call = this.calls.get(request.headers.get('call-id') ?? '');
    if (!call) return responseTo(request, peer, 481);
    call.deposit.hungUp();
    return responseTo(request, peer, 200);
  }

  private async run(
    call: Call,
    mailbox: Mailbox,
    file: string,
    recorder: WavRecorder,
    caller: string,
  ) {
    let end;
    try {
      const greeting =
        (await this.deps.greeting(mailbox.subscriberId).catch(() => null)) ??
        (await this.deps.defaultGreeting(mailbox.language));
      end = await call.deposit.run(greeting);
    } catch (err) {
      this.deps.log('voicemail call failed', {
        call: call.dialog.callId,
        err: (err as Error).message,
      });
      end = 'caller-hung-up';
    }
    call.rtp.close();
    if (end !== 'caller-hung-up')
      await hangUp(call.dialog, this.deps.transactions, this.deps.local());
    this.calls.delete(call.dialog.callId);
    recorder.finish();
    const detail = {
      call: call.dialog.callId,
      end,
      durationMs: recorder.durationMs,
      received: call.rtp.stats.received,
      lost: call.rtp.stats.lost,
    };
    if (recorder.durationMs < this.deps.minRecordingMs) {
      this.deps.log('voicemail too short, discarded', detail);
      rmSync(file, { force: true });
      return;
    }
    try {
      await this.deps.store({
        from: caller,
        to: mailbox.address,
        file,
        durationMs: recorder.durationMs,
      });
      rmSync(file, { force: true });
      this.deps.log('voicemail stored', detail);
    } catch (err) {
      // The file stays in the recordings folder for the operator to recover.
      this.deps.log('voicemail could not be stored', {
        ...detail,
        file,
        err: (err as Error).message,
      });
    }
  }
}

/** The caller as an address: tel:+number when the user part is one, else the SIP URI. */
function callerOf(uri: string): string {
  try {
    const u = parseUri(uri);
    if (u.user && /^\+?[0-9]{3,15}$/.test(u.user))
      return `tel:${u.user.startsWith('+') ? u.user : `+${u.user}`}`;
    return u.user ? `sip:${u.user}@${u.host}` : `sip:${u.host}`;
  } catch {
    return 'sip:anonymous@anonymous.invalid';
  }
}
