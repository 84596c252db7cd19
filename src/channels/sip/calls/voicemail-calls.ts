import { randomBytes, randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { g711 } from '../media/g711.js';
import { RtpSession } from '../media/rtp-session.js';
import { WavRecorder } from '../media/wav-file.js';
import type { SipRequest, SipResponse } from '../protocol/message.js';
import { SipParseError } from '../protocol/message.js';
import { buildAnswer, chooseFormats, parseAudioOffer } from '../protocol/sdp.js';
import type { T38Offer } from '../protocol/sdp-t38.js';
import { parseNameAddr, parseUri } from '../protocol/uri.js';
import { newTag, responseTo } from '../responses.js';
import type { SipPeer } from '../transport.js';
import type { CallerId } from './caller-identity.js';
import { FaxLine, FaxOrVoice } from './fax-detection.js';
import { FaxReception, type FaxServices } from './fax-reception.js';
import { resendUntilAcked } from './dialog.js';
import { answerReinvite } from './fax-t38.js';
import { forwardingOf } from './forwarding.js';
import { RetrievalCall, type MailboxOwner, type RetrievalServices } from './retrieval-call.js';
import { VoicemailCall, type CallServices, type Mailbox } from './voicemail-call.js';

/** What VoicemailCalls needs of any answered call, leaving a message or calling in. */
interface AnsweredCall {
  audio(pcm: Int16Array): void;
  digit(digit: string): void;
  hangUp(): void;
  run(confirmed: Promise<boolean>): Promise<void>;
  /** A T.38 offer in the call (fax calls only): true when the call switched to it. */
  t38?(offer: T38Offer): boolean;
}

export type { Mailbox } from './voicemail-call.js';

export interface VoicemailCallDeps extends CallServices {
  mailboxFor(uri: string): Promise<Mailbox | null>;
  /** Whether a Request-URI names the voicemail number (calling in to one's mailbox). */
  isVoicemailNumber(uri: string): boolean;
  /** A call to the message link number: the code dialled after it (null: just the number). */
  messageLink?(uri: string): { code: string | null } | null;
  /** The mailbox of a subscriber's address (a proven caller calling in). */
  ownerOf(address: string): Promise<MailboxOwner | null>;
  retrieval: RetrievalServices;
  /** Who is calling, as far as it can be trusted; a response (407, 403) answers the INVITE instead. */
  identify(request: SipRequest, peer: SipPeer): Promise<CallerId | SipResponse>;
  /** The address RTP listens on and the SDP answer names. */
  rtpHost(): string;
  recordingsDir: string;
  /**
   * Fax reception on calls to subscribers' numbers: how long after the answer a fax's CNG tone
   * is listened for (0: never), and what receiving needs. Absent, every call is a voicemail.
   */
  fax?: FaxServices & {
    detectMs: number;
    /** Whether a subscriber's address is a dedicated fax number (no greeting, no detection). */
    dedicated(address: string): boolean;
  };
}

/** Our station id on a fax: the number called, when it is one (T.30 allows digits, + and space). */
function stationId(address: string): string {
  return /^tel:(\+?[0-9]{1,20})$/.exec(address)?.[1] ?? '';
}

/** How long an answer waits for its ACK before the call is given up (64*T1). */
const ACK_WAIT_MS = 32_000;

/** How long NOTIFYs about a transfer are still answered after the call ended (Timer J). */
const AFTER_TRANSFER_MS = 32_000;

/**
 * Calls to subscribers' numbers and SIP URIs (straight, or forwarded with RFC 4458 or Diversion)
 * land in voicemail: answered with G.711 (PCMU or PCMA, whichever the caller prefers), then the
 * deposit flow (deposit-flow.ts) runs on the call. INVITEs still being prepared can be CANCELled.
 */
export class VoicemailCalls {
  private readonly calls = new Map<
    string,
    {
      call: AnsweredCall;
      acked: boolean;
      /** The CSeq number of the last ACK (a re-INVITE's 200 is resent until its own comes). */
      ackedCseq: number;
      rtpPort: number;
      localTag: string;
      remoteTag: string | null;
      confirm(acked: boolean): void;
    }
  >();
  private readonly preparing = new Map<string, { cancelled: boolean }>();
  private readonly ended = new Map<string, number>();

  constructor(private readonly deps: VoicemailCallDeps) {}

  /** How many calls are up now (for metrics and the benchmark). */
  get active(): number {
    return this.calls.size;
  }

  async invite(request: SipRequest, peer: SipPeer): Promise<SipResponse> {
    const callId = request.headers.get('call-id')!;
    if (this.calls.has(callId)) return this.reinvite(request, peer);
    if (this.preparing.has(callId))
      return responseTo(request, peer, 488, [], { reason: 'Session changes not supported' });
    const preparing = { cancelled: false };
    this.preparing.set(callId, preparing);
    try {
      return await this.prepare(request, peer, preparing);
    } finally {
      this.preparing.delete(callId);
    }
  }

  private async prepare(
    request: SipRequest,
    peer: SipPeer,
    preparing: { cancelled: boolean },
  ): Promise<SipResponse> {
    const callId = request.headers.get('call-id')!;
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
    // Everything the dialog needs is read before anything is opened for the call.
    let remoteTarget: string;
    let remoteTag: string | null;
    try {
      const contact = request.headers.get('contact');
      remoteTarget = contact ? parseNameAddr(contact).uri : `sip:${peer.address}:${peer.port}`;
      parseUri(remoteTarget);
      remoteTag = parseNameAddr(request.headers.get('from')!).params['tag'] ?? null;
    } catch (err) {
      if (err instanceof SipParseError)
        return responseTo(request, peer, 400, [], { reason: `Bad Contact or From` });
      throw err;
    }
    const caller = await this.deps.identify(request, peer);
    if ('kind' in caller) return caller;
    const forwarding = forwardingOf(request);
    // The voicemail number, called straight (not a call forwarded there), is for calling in.
    const link =
      forwarding.source === 'direct' ? (this.deps.messageLink?.(request.uri) ?? null) : null;
    const callingIn =
      link !== null || (forwarding.source === 'direct' && this.deps.isVoicemailNumber(request.uri));
    let mailbox: Mailbox | null = null;
    let owner: MailboxOwner | null = null;
    if (callingIn) {
      // From the subscriber's own phone, proven by digest, no PIN is asked; a message link also
      // trusts a number a trusted trunk asserts (seed 004: the registered phone or trusted number).
      if (caller.verified && (caller.basis === 'registered phone' || link !== null))
        owner = await this.deps.ownerOf(caller.address).catch(() => null);
    } else {
      mailbox = await this.deps.mailboxFor(forwarding.mailboxUri).catch(() => null);
      if (!mailbox) return responseTo(request, peer, 404);
    }
    if (preparing.cancelled) return responseTo(request, peer, 487);

    const localTag = newTag();
    const holder: { call: AnsweredCall | null } = { call: null };
    const rtp = new RtpSession(g711(codec.name), codec.payload, dtmf?.payload ?? null, {
      audio: (pcm) => holder.call?.audio(pcm),
      digit: (d) => holder.call?.digit(d),
    });
    // Named by us, not after the Call-ID: any length and any characters arrive there.
    const file = join(
      this.deps.recordingsDir,
      `${Date.now()}-${randomBytes(8).toString('hex')}.wav`,
    );
    // A dedicated fax number records nothing: the fax takes the call at once.
    const fax = this.deps.fax;
    const faxLine = mailbox !== null && fax !== undefined && fax.dedicated(mailbox.address);
    let rtpPort: number;
    let recorder: WavRecorder | null = null;
    try {
      rtpPort = await rtp.open(this.deps.rtpHost());
      rtp.connect(
        offer.address,
        offer.port,
        offer.rtcp
          ? { address: offer.rtcp.address ?? offer.address, port: offer.rtcp.port }
          : undefined,
      );
      if (mailbox && !faxLine) recorder = new WavRecorder(file);
    } catch (err) {
      await rtp.close();
      rmSync(file, { force: true });
      throw err;
    }
    const dialog = {
      callId,
      localTag,
      remote: request.headers.get('from')!,
      local: `${request.headers.get('to')!};tag=${localTag}`,
      remoteTarget,
      target: { transport: peer.transport, address: peer.address, port: peer.port },
      cseq: randomInt(1, 10_000),
    };
    const full =
      mailbox !== null && mailbox.roomMs !== null && mailbox.roomMs < this.deps.minRecordingMs;
    const answeredAt = Date.now();
    const faxReception = (services: FaxServices, to: Mailbox) =>
      new FaxReception(
        dialog,
        rtp,
        file.replace(/\.wav$/, '.tif'),
        stationId(to.address),
        to,
        caller,
        answeredAt,
        services,
      );
    let call: AnsweredCall;
    if (mailbox && fax && faxLine) call = new FaxLine(faxReception(fax, mailbox), dialog, rtp, fax);
    else if (mailbox && recorder) {
      const voicemail = new VoicemailCall(
        dialog,
        rtp,
        recorder,
        mailbox,
        caller,
        forwarding.reason,
        this.deps,
        full ? 'mailbox-full' : 'greeting',
      );
      const to = mailbox;
      call = fax
        ? new FaxOrVoice(voicemail, fax.detectMs, () => faxReception(fax, to), this.deps.log)
        : voicemail;
    } else call = new RetrievalCall(dialog, rtp, owner, this.deps.retrieval, link);
    holder.call = call;
    let confirm: (acked: boolean) => void = () => undefined;
    const confirmed = new Promise<boolean>((resolve) => (confirm = resolve));
    const entry = {
      call,
      acked: false,
      ackedCseq: 0,
      rtpPort,
      localTag,
      remoteTag,
      confirm,
    };
    // Timer H: an answer never ACKed ends the call.
    setTimeout(() => confirm(false), ACK_WAIT_MS).unref();
    this.calls.set(callId, entry);
    const local = this.deps.local();
    const answer = responseTo(
      request,
      peer,
      200,
      [
        ['Contact', `<sip:voicemail@${local.host}:${local.port}>`],
        ['Content-Type', 'application/sdp'],
        ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY'],
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
            rtcpPort: rtp.rtcpPort,
          }),
        ),
      },
    );
    if (peer.transport === 'UDP')
      resendUntilAcked(
        () => entry.acked || !this.calls.has(callId),
        () => peer.send(answer),
      );
    this.deps.log(
      callingIn
        ? 'mailbox call answered'
        : faxLine
          ? 'fax call answered'
          : 'voicemail call answered',
      {
        call: callId,
        mailbox: mailbox?.subscriberId ?? owner?.subscriberId ?? null,
        codec: codec.name,
        greeting: forwarding.reason,
        forwarded: forwarding.source,
        caller: caller.address,
        callerVerified: caller.basis,
        full,
      },
    );
    void call.run(confirmed).finally(() => {
      this.calls.delete(callId);
      this.ended.set(callId, Date.now() + AFTER_TRANSFER_MS);
    });
    return answer;
  }

  /**
   * A re-INVITE in an answered call. A fax's T.38 offer (docs/fax.md) is taken when the call
   * is a fax, or still may become one, and T.38 is on: 200 with our T.38 answer on the same
   * port, and the fax goes on over UDPTL. Anything else (hold, a codec change, an offer we
   * cannot take) gets 488 and the call carries on as it was: a fax then stays on G.711.
   */
  private reinvite(request: SipRequest, peer: SipPeer): SipResponse {
    const entry = this.inDialog(request);
    if (!entry) return responseTo(request, peer, 481);
    const callId = request.headers.get('call-id')!;
    const local = this.deps.local();
    const fax = this.deps.fax;
    const answer = answerReinvite(request, peer, {
      take: entry.call.t38 && fax ? (offer) => entry.call.t38!(offer) : null,
      off: fax?.t38 ? null : 'T.38 is turned off',
      rtpHost: this.deps.rtpHost(),
      rtpPort: entry.rtpPort,
      contact: `<sip:voicemail@${local.host}:${local.port}>`,
      log: (event, detail) => this.deps.log(event, detail),
    });
    const cseq = Number(request.headers.get('cseq')?.split(/\s+/)[0]);
    if (answer.status === 200 && peer.transport === 'UDP')
      resendUntilAcked(
        () => entry.ackedCseq >= cseq || !this.calls.has(callId),
        () => peer.send(answer),
      );
    return answer;
  }

  /**
   * The call an in-dialog request belongs to: its Call-ID and both tags must match (RFC 3261
   * 12.2.2), so that nobody who merely learnt a Call-ID can end someone else's call.
   */
  private inDialog(request: SipRequest) {
    const entry = this.calls.get(request.headers.get('call-id') ?? '');
    if (!entry) return null;
    try {
      const toTag = parseNameAddr(request.headers.get('to')!).params['tag'] ?? null;
      const fromTag = parseNameAddr(request.headers.get('from')!).params['tag'] ?? null;
      return toTag === entry.localTag && fromTag === entry.remoteTag ? entry : null;
    } catch {
      return null;
    }
  }

  ack(request: SipRequest): void {
    const entry = this.inDialog(request);
    if (!entry) return;
    entry.acked = true;
    entry.ackedCseq = Math.max(
      entry.ackedCseq,
      Number(request.headers.get('cseq')?.split(/\s+/)[0]) || 0,
    );
    entry.confirm(true);
  }

  bye(request: SipRequest, peer: SipPeer): SipResponse {
    const entry = this.inDialog(request);
    if (!entry) return responseTo(request, peer, 481);
    entry.call.hangUp();
    // A BYE before the ACK still ends the call (the flow sees the hang-up at once).
    entry.confirm(true);
    return responseTo(request, peer, 200);
  }

  /**
   * RFC 3261 9.2: a CANCEL stops an INVITE we are still preparing (it then gets 487); once the
   * call is answered it changes nothing, but is still answered 200.
   */
  cancel(request: SipRequest, peer: SipPeer): SipResponse {
    const callId = request.headers.get('call-id') ?? '';
    const preparing = this.preparing.get(callId);
    if (preparing) preparing.cancelled = true;
    else if (!this.calls.has(callId)) return responseTo(request, peer, 481);
    return responseTo(request, peer, 200);
  }

  /** NOTIFYs about a transfer we asked for (RFC 3515's implicit subscription): taken, nothing more. */
  notify(request: SipRequest, peer: SipPeer): SipResponse {
    const callId = request.headers.get('call-id') ?? '';
    const now = Date.now();
    for (const [id, until] of this.ended) if (until < now) this.ended.delete(id);
    if (!this.calls.has(callId) && !this.ended.has(callId)) return responseTo(request, peer, 481);
    return responseTo(request, peer, 200);
  }
}
