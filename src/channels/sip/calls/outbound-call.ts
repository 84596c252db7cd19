import { randomBytes, randomInt } from 'node:crypto';
import type { ClientTransactions, Target } from '../client-transactions.js';
import { InviteClientTransaction } from '../invite-transaction.js';
import { g711 } from '../media/g711.js';
import { RtpSession, type RtpSessionEvents } from '../media/rtp-session.js';
import { answerChallenge } from '../protocol/digest.js';
import { SipHeaders } from '../protocol/headers.js';
import type { SipRequest, SipResponse } from '../protocol/message.js';
import { answeredFormats, buildOffer, parseAudioOffer } from '../protocol/sdp.js';
import { describeT38, type T38Offer } from '../protocol/sdp-t38.js';
import { parseNameAddr, parseUri } from '../protocol/uri.js';
import { newTag, responseTo } from '../responses.js';
import type { SipPeer } from '../transport.js';
import { callTarget, type HostResolver } from './call-target.js';
import { hangUp, resendUntilAcked, type Dialog } from './dialog.js';
import { answerReinvite, offerT38 } from './fax-t38.js';

/** A SIP trunk (or proxy) calls go through, and the credentials it challenges for. */
export interface Trunk {
  /** sip:host[:port] of the trunk. */
  uri: string;
  username?: string | null;
  secret?: string | null;
}

export interface PlaceCallOptions {
  /** Who calls (From): a sip: URI the trunk accepts as our caller id. */
  from: string;
  displayName?: string | null;
  trunk?: Trunk | null;
  /** How long it may ring (from the INVITE) before it is cancelled as not answered. */
  ringTimeoutMs: number;
  /** Aborted before the answer: the call is cancelled (the subscriber waiting for it hung up). */
  signal?: AbortSignal;
  /** The far end's audio and keys, once answered. */
  events?: Partial<RtpSessionEvents>;
}

/** Why a call was not answered: a busy line, no answer, a refusal, or no response at all. */
export interface CallFailure {
  failed: 'busy' | 'no-answer' | 'refused' | 'unreachable';
  /** The SIP status the far end gave (408 when nothing answered, 487 for a call we cancelled). */
  status: number;
  reason: string;
}

/** How an answered call ended, and who ended it. */
export interface CallEnd {
  by: 'remote' | 'local';
  at: number;
}

/** An answered call: its dialog and audio, until one side hangs up. */
export interface PlacedCall {
  readonly callId: string;
  readonly dialog: Dialog;
  /** The call's audio: `play` to it, listen with `onAudio`, join it to another with `bridge`. */
  readonly rtp: RtpSession;
  readonly codec: 'PCMU' | 'PCMA';
  /** When the far end answered (ms since the epoch), and how long it had rung. */
  readonly answeredAt: number;
  readonly ringMs: number;
  /** Aborted when the call ends; give it to `rtp.play` so playback stops at a hang-up. */
  readonly signal: AbortSignal;
  /** Resolves when the call has ended, on either side. */
  readonly ended: Promise<CallEnd>;
  /** Ends the call (BYE); resolves when the far end confirmed or gave up waiting. */
  hangUp(): Promise<void>;
  /**
   * A fax call: the far end's T.38 re-INVITE goes to `take` (true: the call switched, and the
   * offer is answered 200 with our T.38 stream on the RTP port). Other calls refuse it (488).
   */
  acceptT38(take: (offer: T38Offer) => boolean): void;
  /**
   * Offers T.38 ourselves (re-INVITE with our T.38 stream on the RTP port): the far end's
   * stream when it took it, or how it refused (488: stay on G.711).
   */
  offerT38(): Promise<{ accepted: T38Offer } | { refused: number | null; reason: string }>;
}

export interface OutboundCallDeps {
  transactions: ClientTransactions;
  /** Our SIP address, for Via and Contact. */
  local(): { host: string; port: number };
  /** The address RTP listens on and our offer names. */
  rtpHost(): string;
  resolve: HostResolver;
  log(event: string, detail: object): void;
  /** RFC 3261's T1; shorter in tests. */
  t1?: number;
}

/** How long a CANCELled INVITE may take to end (RFC 3261 9.1: 64*T1). */
const CANCEL_WAIT_T1S = 64;

type InviteResult =
  | { kind: 'answered'; response: SipResponse; transaction: InviteClientTransaction }
  | {
      kind: 'failed';
      response: SipResponse | null;
      cancelled: 'ring-timeout' | 'aborted' | null;
    };

interface LiveCall {
  localTag: string;
  remoteTag: string | null;
  end(by: CallEnd['by']): void;
  /** Takes a T.38 offer (fax calls only). */
  t38: ((offer: T38Offer) => boolean) | null;
  rtpPort: number;
  /** The CSeq number of the far end's last ACK (a re-INVITE's 200 is resent until it comes). */
  ackedCseq: number;
}

const branch = () => `z9hG4bK${randomBytes(8).toString('hex')}`;

/**
 * Calls Switchboard places (RFC 3261 as a UAC): the voice resource delivering a message, the
 * call-back of the retrieval menu. Each call is an INVITE with our G.711 offer, answered (2xx:
 * ACK, RTP connected to the answer), or not (busy, no answer after the ring time and a CANCEL,
 * refused with a status). A trunk's digest challenge (401/407) is answered once with its
 * credentials. While a call is up, the far end's BYE ends it; a re-INVITE is refused (488) and
 * the call carries on as it was, except a T.38 offer in a fax call (fax-t38.ts).
 */
export class OutboundCalls {
  private readonly calls = new Map<string, LiveCall>();

  constructor(private readonly deps: OutboundCallDeps) {}

  /** How many placed calls are up. */
  get active(): number {
    return this.calls.size;
  }

  /**
   * Places a call to `destination` (tel:+number through the trunk, or a sip: URI); resolves when
   * it is answered or has failed. Throws for a destination it cannot address at all (a number
   * without a trunk, a transport other than UDP).
   */
  async place(destination: string, options: PlaceCallOptions): Promise<PlacedCall | CallFailure> {
    const trunk = options.trunk ?? null;
    const route = callTarget(destination, trunk?.uri ?? null);
    const hops = await this.deps.resolve(route.hop.host, route.hop.port);
    const hop = hops[0];
    if (!hop)
      return { failed: 'unreachable', status: 0, reason: `no address for ${route.hop.host}` };
    const target: Target = { transport: 'UDP', address: hop.address, port: hop.port };
    const local = this.deps.local();
    const events = options.events ?? {};
    // Our offer names the RTP port, so the socket is open before the INVITE; the codec is set
    // once the answer has chosen one.
    const rtp = new RtpSession(g711('PCMU'), 0, null, {
      audio: (pcm) => events.audio?.(pcm),
      digit: (d) => events.digit?.(d),
      report: (r) => events.report?.(r),
    });
    let rtpPort: number;
    try {
      rtpPort = await rtp.open(this.deps.rtpHost());
    } catch (err) {
      await rtp.close();
      throw err;
    }
    const callId = `${randomBytes(10).toString('hex')}@${local.host}`;
    const localTag = newTag();
    const display = options.displayName?.replace(/["\\\r\n]/g, '').trim();
    const from = `${display ? `"${display}" ` : ''}<${options.from}>;tag=${localTag}`;
    const offer = Buffer.from(
      buildOffer({
        address: this.deps.rtpHost(),
        port: rtpPort,
        sessionId: randomInt(1e9),
        rtcpPort: rtp.rtcpPort,
      }),
    );
    const started = Date.now();
    let cseq = randomInt(1, 10_000);
    let credentials: [string, string] | null = null;
    const detail = { call: callId, destination, via: `${target.address}:${target.port}` };
    for (;;) {
      const invite: SipRequest = {
        kind: 'request',
        method: 'INVITE',
        uri: route.requestUri,
        headers: new SipHeaders([
          ['Via', `SIP/2.0/UDP ${local.host}:${local.port};branch=${branch()};rport`],
          ['Max-Forwards', '70'],
          ['From', from],
          ['To', `<${route.requestUri}>`],
          ['Call-ID', callId],
          ['CSeq', `${cseq} INVITE`],
          ['Contact', `<sip:switchboard@${local.host}:${local.port}>`],
          ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY'],
          ['User-Agent', 'Switchboard'],
          ...(credentials ? [credentials] : []),
          ['Content-Type', 'application/sdp'],
        ]),
        body: offer,
      };
      const result = await this.invite(invite, target, started, options);
      if (result.kind === 'answered') {
        const answered = await this.answered(result, {
          invite,
          target,
          trunk,
          credentials,
          rtp,
          localTag,
          started,
          aborted: options.signal?.aborted ?? false,
        });
        if ('failed' in answered) {
          this.deps.log('outbound call failed', { ...detail, ...answered });
          await rtp.close();
        }
        return answered;
      }
      const response = result.response;
      // A trunk asks who we are: once, with its credentials (a second challenge means they
      // were refused).
      const challenge =
        response && (response.status === 401 || response.status === 407)
          ? response.headers.lines(
              response.status === 401 ? 'www-authenticate' : 'proxy-authenticate',
            )[0]
          : undefined;
      if (challenge && !credentials && trunk?.username && trunk.secret) {
        const value = answerChallenge(challenge, {
          username: trunk.username,
          secret: trunk.secret,
          method: 'INVITE',
          uri: route.requestUri,
        });
        if (value) {
          credentials = [response!.status === 401 ? 'Authorization' : 'Proxy-Authorization', value];
          cseq += 1;
          continue;
        }
      }
      await rtp.close();
      const failure = failureOf(result, {
        ringTimeoutMs: options.ringTimeoutMs,
        authenticated: credentials !== null,
        hop: `${target.address}:${target.port}`,
      });
      this.deps.log('outbound call failed', { ...detail, ...failure });
      return failure;
    }
  }

  /**
   * One INVITE transaction: resolves on the first 2xx or the final failure. The ring timeout
   * (from the first INVITE, across a challenge) and an abort CANCEL it, once a provisional
   * response allows (RFC 3261 9.1); a CANCELled INVITE that never ends is given up after 64*T1.
   */
  private invite(
    request: SipRequest,
    target: Target,
    started: number,
    options: PlaceCallOptions,
  ): Promise<InviteResult> {
    const t1 = this.deps.t1 ?? 500;
    return new Promise((resolve) => {
      let cancelled: 'ring-timeout' | 'aborted' | null = null;
      let cancelSent = false;
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const settle = (result: InviteResult) => {
        if (settled) return;
        settled = true;
        timers.forEach(clearTimeout);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const sendCancel = () => {
        if (cancelSent || !transaction.proceeding) return;
        cancelSent = true;
        void this.deps.transactions.request(target, cancelFor(request));
        timers.push(
          setTimeout(() => {
            transaction.terminate();
            settle({ kind: 'failed', response: null, cancelled });
          }, CANCEL_WAIT_T1S * t1),
        );
      };
      const cancel = (why: 'ring-timeout' | 'aborted') => {
        cancelled ??= why;
        sendCancel();
      };
      const onAbort = () => cancel('aborted');
      const transaction = new InviteClientTransaction(
        this.deps.transactions,
        target,
        request,
        {
          provisional: () => {
            if (cancelled) sendCancel();
          },
          success: (response) => {
            if (settled) return;
            settle({ kind: 'answered', response, transaction });
          },
          failure: (response) => settle({ kind: 'failed', response, cancelled }),
        },
        t1,
      );
      const left = options.ringTimeoutMs - (Date.now() - started);
      timers.push(setTimeout(() => cancel('ring-timeout'), Math.max(0, left)));
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The 2xx: ACK it (and its retransmissions), connect the audio, and hand the call over. */
  private async answered(
    result: Extract<InviteResult, { kind: 'answered' }>,
    c: {
      invite: SipRequest;
      target: Target;
      trunk: Trunk | null;
      credentials: [string, string] | null;
      rtp: RtpSession;
      localTag: string;
      started: number;
      aborted: boolean;
    },
  ): Promise<PlacedCall | CallFailure> {
    const { response, transaction } = result;
    const callId = c.invite.headers.get('call-id')!;
    const local = this.deps.local();
    let remote: string;
    let remoteTarget: string;
    let remoteTag: string | null;
    try {
      remote = response.headers.get('to')!;
      remoteTag = parseNameAddr(remote).params.tag ?? null;
      const contact = response.headers.get('contact');
      remoteTarget = contact ? parseNameAddr(contact).uri : c.invite.uri;
      parseUri(remoteTarget);
    } catch {
      remote = c.invite.headers.get('to')!;
      remoteTag = null;
      remoteTarget = c.invite.uri;
    }
    // The route set is the Record-Route in reverse (RFC 3261 12.1.2).
    const routes = response.headers.values('record-route').reverse();
    const dialog: Dialog = {
      callId,
      localTag: c.localTag,
      remote,
      local: c.invite.headers.get('from')!,
      remoteTarget,
      target: c.trunk ? c.target : await this.inDialogTarget(routes[0] ?? remoteTarget, c.target),
      cseq: Number(c.invite.headers.get('cseq')!.split(/\s+/)[0]),
      routes,
    };
    // The ACK of a 2xx is a request of the dialog, with the INVITE's credentials (13.2.2.4);
    // every retransmitted 2xx gets it again.
    const ack: SipRequest = {
      kind: 'request',
      method: 'ACK',
      uri: remoteTarget,
      headers: new SipHeaders([
        ['Via', `SIP/2.0/UDP ${local.host}:${local.port};branch=${branch()};rport`],
        ['Max-Forwards', '70'],
        ['From', dialog.local],
        ['To', remote],
        ['Call-ID', callId],
        ['CSeq', `${dialog.cseq} ACK`],
        ...routes.map((r): [string, string] => ['Route', r]),
        ...(c.credentials ? [c.credentials] : []),
      ]),
      body: Buffer.alloc(0),
    };
    const sendAck = () => this.deps.transactions.send(dialog.target, ack);
    sendAck();
    // Retransmitted 2xx (our ACK was lost) are ACKed again for 64*T1: this listener takes the
    // branch over from the transaction, which has done its part.
    const retransmitted = this.deps.transactions.listenInvite(transaction.branch, (r) => {
      if (r.status >= 200 && r.status < 300) sendAck();
    });
    transaction.terminate();
    setTimeout(retransmitted, CANCEL_WAIT_T1S * (this.deps.t1 ?? 500)).unref();

    const bye = (why: string): Promise<CallFailure> =>
      hangUp(dialog, this.deps.transactions, local).then(() => ({
        failed: 'refused' as const,
        status: 488,
        reason: why,
      }));
    if (c.aborted)
      return hangUp(dialog, this.deps.transactions, local).then(() => ({
        failed: 'no-answer' as const,
        status: 487,
        reason: 'cancelled before the answer',
      }));
    let formats;
    try {
      const answer = parseAudioOffer(response.body.toString('utf8'));
      formats = { answer, ...answeredFormats(answer) };
    } catch {
      return bye('the answer has no usable audio description');
    }
    if (!formats.codec) return bye('the answer takes neither PCMU nor PCMA');
    const { answer, codec, dtmf } = formats;
    c.rtp.use(g711(codec.name), codec.payload, dtmf?.payload ?? null);
    c.rtp.connect(
      answer.address,
      answer.port,
      answer.rtcp
        ? { address: answer.rtcp.address ?? answer.address, port: answer.rtcp.port }
        : undefined,
    );

    const answeredAt = Date.now();
    const ending = new AbortController();
    let resolveEnded: (end: CallEnd) => void = () => undefined;
    const ended = new Promise<CallEnd>((r) => (resolveEnded = r));
    const end = (by: CallEnd['by']) => {
      if (ending.signal.aborted) return;
      ending.abort();
      this.calls.delete(callId);
      retransmitted();
      const at = Date.now();
      void c.rtp.close();
      this.deps.log('outbound call ended', {
        call: callId,
        by,
        seconds: Math.round((at - answeredAt) / 100) / 10,
        received: c.rtp.stats.received,
        lost: c.rtp.stats.lost,
      });
      resolveEnded({ by, at });
    };
    const live: LiveCall = {
      localTag: c.localTag,
      remoteTag,
      end,
      t38: null,
      rtpPort: c.rtp.port,
      ackedCseq: 0,
    };
    this.calls.set(callId, live);
    this.deps.log('outbound call answered', {
      call: callId,
      to: c.invite.uri,
      codec: codec.name,
      ringMs: answeredAt - c.started,
    });
    const trunk = c.trunk;
    return {
      callId,
      dialog,
      rtp: c.rtp,
      codec: codec.name.toUpperCase() === 'PCMA' ? 'PCMA' : 'PCMU',
      answeredAt,
      ringMs: answeredAt - c.started,
      signal: ending.signal,
      ended,
      acceptT38: (take) => (live.t38 = take),
      offerT38: () =>
        offerT38(
          dialog,
          this.deps.transactions,
          local,
          describeT38({
            address: this.deps.rtpHost(),
            port: c.rtp.port,
            sessionId: randomInt(1e9),
          }),
        ),
      hangUp: async () => {
        if (ending.signal.aborted) return;
        end('local');
        const answer = await hangUp(dialog, this.deps.transactions, local);
        // Some trunks challenge the BYE too.
        const challenge =
          answer && (answer.status === 401 || answer.status === 407)
            ? answer.headers.lines(
                answer.status === 401 ? 'www-authenticate' : 'proxy-authenticate',
              )[0]
            : undefined;
        if (challenge && trunk?.username && trunk.secret) {
          const value = answerChallenge(challenge, {
            username: trunk.username,
            secret: trunk.secret,
            method: 'BYE',
            uri: dialog.remoteTarget,
          });
          if (value)
            await hangUp(dialog, this.deps.transactions, local, [
              [answer!.status === 401 ? 'Authorization' : 'Proxy-Authorization', value],
            ]);
        }
      },
    };
  }

  /** Where in-dialog requests go without a trunk: the first route, else the far end's Contact. */
  private async inDialogTarget(uri: string, fallback: Target): Promise<Target> {
    try {
      const u = parseUri(parseNameAddr(uri).uri);
      const hop = (await this.deps.resolve(u.host, u.port))[0];
      return hop ? { transport: 'UDP', address: hop.address, port: hop.port } : fallback;
    } catch {
      return fallback;
    }
  }

  /** Whether a request belongs to one of our placed calls (a re-INVITE in it gets 488). */
  owns(request: SipRequest): boolean {
    return this.calls.has(request.headers.get('call-id') ?? '');
  }

  /** One of our placed calls, when the request carries its Call-ID and both tags (RFC 3261 12.2.2). */
  private inDialog(request: SipRequest): LiveCall | null {
    const call = this.calls.get(request.headers.get('call-id') ?? '');
    if (!call) return null;
    try {
      const fromTag = parseNameAddr(request.headers.get('from')!).params.tag ?? null;
      const toTag = parseNameAddr(request.headers.get('to')!).params.tag ?? null;
      return fromTag === call.remoteTag && toTag === call.localTag ? call : null;
    } catch {
      return null;
    }
  }

  /**
   * A re-INVITE in a call we placed: a T.38 offer in a fax call is taken (fax-t38.ts), anything
   * else gets 488 and the call carries on. Null when the request is not one of our calls'.
   */
  reinvite(request: SipRequest, peer: SipPeer): SipResponse | null {
    if (!this.owns(request)) return null;
    const call = this.inDialog(request);
    if (!call) return responseTo(request, peer, 481);
    const local = this.deps.local();
    const answer = answerReinvite(request, peer, {
      take: call.t38,
      off: null,
      rtpHost: this.deps.rtpHost(),
      rtpPort: call.rtpPort,
      contact: `<sip:switchboard@${local.host}:${local.port}>`,
      log: (event, detail) => this.deps.log(event, detail),
    });
    const cseq = Number(request.headers.get('cseq')?.split(/\s+/)[0]);
    if (answer.status === 200 && peer.transport === 'UDP')
      resendUntilAcked(
        () => call.ackedCseq >= cseq || !this.calls.has(request.headers.get('call-id')!),
        () => peer.send(answer),
      );
    return answer;
  }

  /** An ACK in one of our calls: for a re-INVITE's 200 (the INVITE's own 2xx we ACK, not they). */
  ack(request: SipRequest): void {
    const call = this.inDialog(request);
    if (!call) return;
    const cseq = Number(request.headers.get('cseq')?.split(/\s+/)[0]) || 0;
    call.ackedCseq = Math.max(call.ackedCseq, cseq);
  }

  /**
   * The far end hangs up: its BYE must match the Call-ID and both tags (RFC 3261 12.2.2). Null
   * when the BYE is not for a call we placed (then it is someone else's to answer).
   */
  bye(request: SipRequest, peer: SipPeer): SipResponse | null {
    const call = this.calls.get(request.headers.get('call-id') ?? '');
    if (!call) return null;
    try {
      const fromTag = parseNameAddr(request.headers.get('from')!).params.tag ?? null;
      const toTag = parseNameAddr(request.headers.get('to')!).params.tag ?? null;
      if (fromTag !== call.remoteTag || toTag !== call.localTag)
        return responseTo(request, peer, 481);
    } catch {
      return responseTo(request, peer, 400);
    }
    call.end('remote');
    return responseTo(request, peer, 200);
  }

  /** Ends every placed call (server shutdown). */
  async close(): Promise<void> {
    for (const call of [...this.calls.values()]) call.end('local');
  }
}

/** The CANCEL of an INVITE (RFC 3261 9.1): its Request-URI, top Via, From, To, Call-ID, CSeq number. */
function cancelFor(invite: SipRequest): SipRequest {
  const headers = new SipHeaders([
    ['Via', invite.headers.values('via')[0]!],
    ['Max-Forwards', '70'],
    ['From', invite.headers.get('from')!],
    ['To', invite.headers.get('to')!],
    ['Call-ID', invite.headers.get('call-id')!],
    ['CSeq', `${invite.headers.get('cseq')!.split(/\s+/)[0]} CANCEL`],
  ]);
  for (const route of invite.headers.lines('route')) headers.add('Route', route);
  return { kind: 'request', method: 'CANCEL', uri: invite.uri, headers, body: Buffer.alloc(0) };
}

/** What an unanswered INVITE means for whoever placed it. */
function failureOf(
  result: Extract<InviteResult, { kind: 'failed' }>,
  c: { ringTimeoutMs: number; authenticated: boolean; hop: string },
): CallFailure {
  const r = result.response;
  if (result.cancelled === 'ring-timeout' && (!r || r.status === 487))
    return {
      failed: 'no-answer',
      status: 487,
      reason: `no answer within ${+(c.ringTimeoutMs / 1000).toFixed(1)} s`,
    };
  if (result.cancelled === 'aborted' && (!r || r.status === 487))
    return { failed: 'no-answer', status: 487, reason: 'cancelled before the answer' };
  if (!r) return { failed: 'unreachable', status: 408, reason: `no response from ${c.hop}` };
  const said = `${r.status} ${r.reason}`;
  if (r.status === 486 || r.status === 600)
    return { failed: 'busy', status: r.status, reason: `busy (${said})` };
  if (r.status === 408 || r.status === 480)
    return { failed: 'no-answer', status: r.status, reason: `not answered (${said})` };
  if (r.status === 401 || r.status === 407)
    return {
      failed: 'refused',
      status: r.status,
      reason: c.authenticated
        ? `the trunk refused our credentials (${said})`
        : `the trunk asks for credentials and none are configured (${said})`,
    };
  if (r.status >= 300 && r.status < 400) {
    const contact = r.headers.get('contact');
    return {
      failed: 'refused',
      status: r.status,
      reason: `redirected${contact ? ` to ${parseNameAddr(contact).uri}` : ''}, which is not followed (${said})`,
    };
  }
  return { failed: 'refused', status: r.status, reason: said };
}
