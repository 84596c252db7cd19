/**
 * The load generator of the concurrent-calls benchmark (bench/calls.ts): a bare SIP user agent
 * on one UDP socket that places calls (INVITE, ACK, BYE, with RFC 3261 retransmissions) and, for
 * each answered call, streams G.711 RTP from a socket of its own, paced by the clock: packet k of
 * a call leaves at answer + k × 20 ms, and how late it really left is the pacing slip.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { SipHeaders } from '../src/channels/sip/protocol/headers.js';
import type { SipMessage, SipRequest, SipResponse } from '../src/channels/sip/protocol/message.js';
import { parseDatagram } from '../src/channels/sip/protocol/parser.js';
import { serializeRtp } from '../src/channels/sip/protocol/rtp.js';
import { buildAnswer, parseAudioOffer } from '../src/channels/sip/protocol/sdp.js';
import { serialize } from '../src/channels/sip/protocol/serialize.js';
import { parseCSeq, parseNameAddr } from '../src/channels/sip/protocol/uri.js';
import { responseTo } from '../src/channels/sip/responses.js';

const HOST = '127.0.0.1';
const FRAME_MS = 20;
const T1 = 500;
const T2 = 4000;
/** Timer B / F: a transaction with no final answer after 64 × T1 has failed. */
const TRANSACTION_MS = 64 * T1;

export interface GeneratorOptions {
  sipPort: number;
  /** Request-URIs, used in turn. */
  targets: string[];
  calls: number;
  /** Audio each call streams, from its answer on. */
  seconds: number;
  /** Calls start evenly spread over this many seconds. */
  rampSeconds: number;
  /** Silence between the last RTP packet and the BYE. */
  byeDelayMs: number;
  /** PCMU payloads of 20 ms, played in a loop. */
  frames: Buffer[];
  /** Progress lines (to stderr). */
  progress(line: string): void;
}

export interface CallRecord {
  callId: string;
  invitedAt: number;
  answeredAt: number | null;
  /** The INVITE's final status, null when none came. */
  status: number | null;
  /** RTP packets sent to the server, and packets the server sent us (greeting and beep). */
  sent: number;
  heard: number;
  /** 200s to the INVITE after the first (our ACK came late or was lost). */
  okRepeats: number;
  /** How the call ended: we hung up (and the BYE's status), the server did, or it failed. */
  ended: 'bye' | 'server-bye' | 'failed' | null;
  byeStatus: number | null;
  /** When our BYE was first sent. */
  byeAt: number | null;
  doneAt: number | null;
  error: string | null;
}

export interface GeneratorResult {
  calls: CallRecord[];
  startedAt: number;
  finishedAt: number;
  /** Pacing slip histogram: 0.1 ms buckets up to 1 s, the last one for everything later. */
  slip: Uint32Array;
  /** CPU time of this process during the run, seconds. */
  cpuSeconds: number;
}

interface Call extends CallRecord {
  index: number;
  uri: string;
  fromTag: string;
  /** The To of the dialog (with the server's tag) and where in-dialog requests go. */
  to: string | null;
  remoteTarget: string | null;
  rtp: Socket;
  rtpPort: number;
  remote: { address: string; port: number } | null;
  ssrc: number;
  sequence: number;
  timestamp: number;
  streamStart: number;
  timer: NodeJS.Timeout | null;
  /** The INVITE's Via: a non-2xx ACK repeats it. */
  inviteVia: string;
  provisional: boolean;
  state: 'idle' | 'inviting' | 'streaming' | 'ending' | 'done';
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export class CallGenerator {
  private sip: Socket | null = null;
  private localPort = 0;
  private readonly calls: Call[] = [];
  private readonly byId = new Map<string, Call>();
  private readonly slip = new Uint32Array(10_001);
  private readonly totalFrames: number;
  private finished: (() => void) | null = null;
  private open = 0;

  constructor(private readonly o: GeneratorOptions) {
    this.totalFrames = Math.round((o.seconds * 1000) / FRAME_MS);
  }

  /** Binds the SIP socket and one RTP socket per call (before the clock starts). */
  async prepare(): Promise<void> {
    this.sip = await bound((data, rinfo) => this.sipMessage(data, rinfo));
    this.localPort = this.sip.address().port;
    for (let index = 0; index < this.o.calls; index++) {
      const call = {
        index,
        uri: this.o.targets[index % this.o.targets.length]!,
        callId: `bench-${index}-${hex(8)}@${HOST}`,
        fromTag: hex(6),
        to: null,
        remoteTarget: null,
        remote: null,
        ssrc: randomBytes(4).readUInt32BE(0),
        sequence: randomBytes(2).readUInt16BE(0),
        timestamp: randomBytes(4).readUInt32BE(0),
        streamStart: 0,
        timer: null,
        inviteVia: '',
        provisional: false,
        state: 'idle',
        invitedAt: 0,
        answeredAt: null,
        status: null,
        sent: 0,
        heard: 0,
        okRepeats: 0,
        ended: null,
        byeStatus: null,
        byeAt: null,
        doneAt: null,
        error: null,
      } as unknown as Call;
      call.rtp = await bound(() => call.heard++);
      call.rtpPort = call.rtp.address().port;
      this.calls.push(call);
      this.byId.set(call.callId, call);
    }
  }

  /** Places every call, streams, hangs up; resolves when every call is over. */
  async run(): Promise<GeneratorResult> {
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    const rampMs = this.o.rampSeconds * 1000;
    let next = 0;
    this.open = this.calls.length;
    const done = new Promise<void>((resolve) => (this.finished = resolve));
    // One clock for everything: start the calls that are due, send every packet that is due.
    const tick = setInterval(() => {
      const now = performance.now();
      while (next < this.calls.length && now - startedAt >= (next * rampMs) / this.calls.length)
        this.invite(this.calls[next++]!);
      for (const call of this.calls) if (call.state === 'streaming') this.stream(call, now);
    }, 1);
    let lastReport = startedAt;
    const report = setInterval(() => {
      const now = performance.now();
      if (now - lastReport < 4900) return;
      lastReport = now;
      const count = (s: Call['state']) => this.calls.filter((c) => c.state === s).length;
      this.o.progress(
        `  ${((now - startedAt) / 1000).toFixed(0).padStart(3)} s: ${count('inviting')} ringing, ` +
          `${count('streaming')} streaming, ${count('ending')} hanging up, ${count('done')} over`,
      );
    }, 1000);
    if (this.calls.length === 0) this.finished?.();
    await done;
    clearInterval(tick);
    clearInterval(report);
    const cpu = process.cpuUsage(cpuBefore);
    this.sip?.close();
    return {
      calls: this.calls.map(record),
      startedAt,
      finishedAt: performance.now(),
      slip: this.slip,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  }

  // -------------------------------------------------------------------------------------------
  // RTP

  private stream(call: Call, now: number): void {
    const due = Math.min(this.totalFrames, Math.floor((now - call.streamStart) / FRAME_MS) + 1);
    while (call.sent < due) {
      const k = call.sent;
      const late = now - (call.streamStart + k * FRAME_MS);
      this.slip[Math.min(this.slip.length - 1, Math.max(0, Math.floor(late * 10)))]!++;
      call.rtp.send(
        serializeRtp({
          payloadType: 0,
          marker: k === 0,
          sequence: call.sequence++ & 0xffff,
          timestamp: (call.timestamp += 160) >>> 0,
          ssrc: call.ssrc,
          payload: this.o.frames[k % this.o.frames.length]!,
        }),
        call.remote!.port,
        call.remote!.address,
      );
      call.sent++;
    }
    if (call.sent >= this.totalFrames) {
      call.state = 'ending';
      setTimeout(() => this.bye(call), this.o.byeDelayMs);
    }
  }

  // -------------------------------------------------------------------------------------------
  // SIP

  private send(message: SipMessage): void {
    this.sip?.send(serialize(message), this.o.sipPort, HOST);
  }

  private request(call: Call, method: string, cseq: number, extra: Array<[string, string]> = []) {
    const request: SipRequest = {
      kind: 'request',
      method,
      uri: method === 'INVITE' ? call.uri : call.remoteTarget!,
      headers: new SipHeaders([
        ['Via', `SIP/2.0/UDP ${HOST}:${this.localPort};branch=z9hG4bK${hex(8)};rport`],
        ['Max-Forwards', '70'],
        ['From', `<sip:caller${call.index}@b.test>;tag=${call.fromTag}`],
        ['To', call.to ?? `<${call.uri}>`],
        ['Call-ID', call.callId],
        ['CSeq', `${cseq} ${method}`],
        ...extra,
      ]),
      body: Buffer.alloc(0),
    };
    return request;
  }

  /** Sends a request again at T1, 2 T1, ... (at most T2 apart) until `stop` says so. */
  private retransmit(call: Call, message: SipMessage, stop: () => boolean): void {
    const started = performance.now();
    let wait = T1;
    const again = () => {
      if (stop()) return;
      if (performance.now() - started >= TRANSACTION_MS) return this.fail(call, 'timed out');
      this.send(message);
      wait = Math.min(wait * 2, T2);
      call.timer = setTimeout(again, wait);
    };
    call.timer = setTimeout(again, wait);
  }

  private invite(call: Call): void {
    call.state = 'inviting';
    call.invitedAt = performance.now();
    // The offer has the form of an answer: one stream, PCMU and telephone-event, 20 ms.
    const sdp = buildAnswer({
      address: HOST,
      port: call.rtpPort,
      sessionId: call.index + 1,
      codec: { payload: 0, name: 'PCMU', rate: 8000 },
      dtmf: { payload: 101, name: 'telephone-event', rate: 8000 },
    });
    const invite = this.request(call, 'INVITE', 1, [
      ['Contact', `<sip:caller${call.index}@${HOST}:${this.localPort}>`],
      ['Content-Type', 'application/sdp'],
      ['User-Agent', 'switchboard-bench-calls'],
    ]);
    invite.body = Buffer.from(sdp);
    call.inviteVia = invite.headers.get('via')!;
    this.send(invite);
    // Until a provisional or final answer comes.
    this.retransmit(call, invite, () => call.status !== null || call.state !== 'inviting');
  }

  private bye(call: Call): void {
    if (call.state !== 'ending') return;
    const bye = this.request(call, 'BYE', 2);
    call.byeAt = performance.now();
    this.send(bye);
    this.retransmit(call, bye, () => call.state === 'done');
  }

  private ack(call: Call, response: SipResponse): void {
    const ack = this.request(call, 'ACK', 1);
    if (response.status >= 300) {
      // A non-2xx ACK belongs to the INVITE transaction: its Via (branch) and the answer's To.
      ack.uri = call.uri;
      ack.headers.set('Via', call.inviteVia);
      ack.headers.set('To', response.headers.get('to')!);
    }
    this.send(ack);
  }

  private sipMessage(data: Buffer, rinfo: { address: string; port: number }): void {
    let message: SipMessage;
    try {
      message = parseDatagram(data);
    } catch {
      return;
    }
    const call = this.byId.get(message.headers.get('call-id') ?? '');
    if (message.kind === 'request') {
      if (message.method === 'ACK') return;
      this.send(responseTo(message, rinfo, call ? 200 : 481));
      if (call && message.method === 'BYE' && call.state !== 'done') {
        call.ended = 'server-bye';
        this.finish(call);
      }
      return;
    }
    if (!call) return;
    const { method } = parseCSeq(message.headers.get('cseq') ?? '');
    if (method === 'INVITE') this.inviteAnswer(call, message);
    else if (method === 'BYE' && message.status >= 200 && call.state === 'ending') {
      call.byeStatus = message.status;
      call.ended = 'bye';
      this.finish(call);
    }
  }

  private inviteAnswer(call: Call, response: SipResponse): void {
    if (response.status < 200) {
      // Retransmissions stop; the final answer must still come within Timer B.
      if (call.state !== 'inviting' || call.status !== null || call.provisional) return;
      call.provisional = true;
      clearTimeout(call.timer!);
      call.timer = setTimeout(() => this.fail(call, 'no final answer'), TRANSACTION_MS);
      return;
    }
    if (call.status !== null) {
      // A retransmission of the final answer: acknowledge it again.
      if (response.status < 300) call.okRepeats++;
      if (call.to) this.ack(call, response);
      return;
    }
    call.status = response.status;
    clearTimeout(call.timer!);
    if (response.status >= 300) {
      this.ack(call, response);
      return this.fail(call, `INVITE answered ${response.status} ${response.reason}`);
    }
    call.to = response.headers.get('to')!;
    const contact = response.headers.get('contact');
    call.remoteTarget = contact ? parseNameAddr(contact).uri : `sip:${HOST}:${this.o.sipPort}`;
    this.ack(call, response);
    try {
      const answer = parseAudioOffer(response.body.toString('utf8'));
      call.remote = { address: answer.address, port: answer.port };
    } catch (err) {
      return this.fail(call, `bad SDP answer: ${(err as Error).message}`);
    }
    call.answeredAt = call.streamStart = performance.now();
    call.state = 'streaming';
  }

  private fail(call: Call, error: string): void {
    if (call.state === 'done') return;
    call.error ??= error;
    call.ended ??= 'failed';
    this.finish(call);
  }

  private finish(call: Call): void {
    if (call.state === 'done') return;
    call.state = 'done';
    call.doneAt = performance.now();
    if (call.timer) clearTimeout(call.timer);
    call.rtp.close();
    if (--this.open === 0) this.finished?.();
  }
}

function record(call: Call): CallRecord {
  const { callId, invitedAt, answeredAt, status, sent, heard, okRepeats, ended } = call;
  return {
    callId,
    invitedAt,
    answeredAt,
    status,
    sent,
    heard,
    okRepeats,
    ended,
    byeStatus: call.byeStatus,
    byeAt: call.byeAt,
    doneAt: call.doneAt,
    error: call.error,
  };
}

async function bound(
  onMessage: (data: Buffer, rinfo: { address: string; port: number }) => void,
): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.on('message', onMessage);
  // Sends to a port the server has already closed come back as ICMP errors: not ours to mind.
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, HOST, () => resolve());
  });
  return socket;
}

/** The slip histogram's percentile, ms. */
export function slipPercentile(histogram: Uint32Array, p: number): number {
  let total = 0;
  for (const n of histogram) total += n;
  let seen = 0;
  const want = (p / 100) * total;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= want && seen > 0) return i / 10;
  }
  return NaN;
}
