import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { after, test } from 'node:test';
import { ClientTransactions, type Target } from '../client-transactions.js';
import { bridge } from '../media/bridge.js';
import { g711 } from '../media/g711.js';
import { RtpSession } from '../media/rtp-session.js';
import { parseDigest, verifyDigest } from '../protocol/digest.js';
import { SipHeaders } from '../protocol/headers.js';
import type { SipMessage, SipRequest, SipResponse } from '../protocol/message.js';
import { parseRtp, serializeRtp } from '../protocol/rtp.js';
import type { SipPeer } from '../transport.js';
import { callTarget } from './call-target.js';
import { OutboundCalls, type CallFailure, type PlacedCall } from './outbound-call.js';

const T1 = 10;
const TRUNK = { uri: 'sip:127.0.0.1:5099', username: 'acct7', secret: 'trunk-pass' };

/**
 * The far end of the calls, scripted per test: it sees every request we send (through a real
 * ClientTransactions whose wire is this object) and answers with `reply`.
 */
class FarEnd {
  readonly requests: SipRequest[] = [];
  readonly transactions: ClientTransactions;
  onRequest: (request: SipRequest) => void = () => undefined;

  constructor() {
    this.transactions = new ClientTransactions((_target: Target, message: SipMessage) => {
      if (message.kind === 'request') {
        this.requests.push(message);
        queueMicrotask(() => this.onRequest(message));
      }
      return true;
    });
  }

  reply(
    request: SipRequest,
    status: number,
    extra: Array<[string, string]> = [],
    body = '',
    toTag = 'far',
  ): void {
    const to = request.headers.get('to')!;
    const response: SipResponse = {
      kind: 'response',
      status,
      reason: String(status),
      headers: new SipHeaders([
        ['Via', request.headers.get('via')!],
        ['From', request.headers.get('from')!],
        ['To', status === 100 || /;tag=/.test(to) ? to : `${to};tag=${toTag}`],
        ['Call-ID', request.headers.get('call-id')!],
        ['CSeq', request.headers.get('cseq')!],
        ...extra,
      ]),
      body: Buffer.from(body),
    };
    this.transactions.response(response);
  }

  methods(): string[] {
    return this.requests.map((r) => r.method);
  }
}

const sockets: Socket[] = [];
after(() => sockets.forEach((s) => s.close()));

/** A UDP socket standing in for the far end's RTP port. */
async function rtpPeer(): Promise<{ socket: Socket; port: number; packets: Buffer[] }> {
  const socket = createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (m) => packets.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  sockets.push(socket);
  return { socket, port: socket.address().port, packets };
}

const sdpAnswer = (port: number, formats = '8 101') =>
  [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP ${formats}`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    '',
  ].join('\r\n');

function calls(far: FarEnd): OutboundCalls {
  return new OutboundCalls({
    transactions: far.transactions,
    local: () => ({ host: '127.0.0.1', port: 5060 }),
    rtpHost: () => '127.0.0.1',
    resolve: async (host, port) => [{ transport: 'UDP', address: host, port: port ?? 5060 }],
    log: () => undefined,
    t1: T1,
  });
}

const peer = {
  transport: 'UDP',
  address: '127.0.0.1',
  port: 5099,
  send: () => undefined,
} as SipPeer;

test('a number through the trunk: 407, the INVITE again with credentials (CSeq+1), 200, ACK; audio both ways; we hang up', async () => {
  const far = new FarEnd();
  const media = await rtpPeer();
  const ha1 = createHash('md5').update(`acct7:trunk.test:trunk-pass`).digest('hex');
  far.onRequest = (r) => {
    if (r.method !== 'INVITE' && r.method !== 'BYE') return;
    if (r.method === 'BYE') return far.reply(r, 200);
    const auth = r.headers.get('proxy-authorization');
    if (!auth)
      return far.reply(r, 407, [
        [
          'Proxy-Authenticate',
          'Digest realm="trunk.test", nonce="n0nce", qop="auth", algorithm=MD5',
        ],
      ]);
    const params = parseDigest(auth)!;
    if (!verifyDigest(params, 'INVITE', ha1)) return far.reply(r, 403);
    far.reply(r, 180);
    setTimeout(
      () =>
        far.reply(
          r,
          200,
          [
            ['Contact', '<sip:phone@127.0.0.1:5099>'],
            ['Content-Type', 'application/sdp'],
          ],
          sdpAnswer(media.port),
        ),
      20,
    );
  };
  const placed = (await calls(far).place('tel:+4930123', {
    from: 'sip:+15550001@a.test',
    displayName: 'Ann',
    trunk: TRUNK,
    ringTimeoutMs: 5000,
  })) as PlacedCall;
  assert.ok(!('failed' in placed), 'failed' in placed ? JSON.stringify(placed) : '');
  assert.deepEqual(far.methods(), ['INVITE', 'ACK', 'INVITE', 'ACK']);
  const [first, ack407, second, ack200] = far.requests as [
    SipRequest,
    SipRequest,
    SipRequest,
    SipRequest,
  ];
  assert.equal(first.uri, 'sip:+4930123@127.0.0.1:5099;user=phone');
  assert.match(first.headers.get('from')!, /^"Ann" <sip:\+15550001@a\.test>;tag=/);
  assert.match(first.body.toString(), /m=audio \d+ RTP\/AVP 0 8 101/);
  const seq = (r: SipRequest) => Number(r.headers.get('cseq')!.split(' ')[0]);
  assert.equal(seq(second), seq(first) + 1);
  assert.equal(second.headers.get('call-id'), first.headers.get('call-id'));
  assert.equal(second.headers.get('from'), first.headers.get('from'));
  assert.notEqual(second.headers.get('via'), first.headers.get('via'), 'a new branch');
  assert.equal(
    ack407.headers.get('via'),
    first.headers.get('via'),
    'the 407 ACKed in its transaction',
  );
  assert.equal(ack200.uri, 'sip:phone@127.0.0.1:5099', 'the 2xx ACK goes to the Contact');
  assert.equal(ack200.headers.get('cseq'), `${seq(second)} ACK`);
  assert.notEqual(ack200.headers.get('via'), second.headers.get('via'), 'a transaction of its own');
  assert.ok(ack200.headers.get('proxy-authorization'), 'the ACK carries the INVITE’s credentials');
  assert.equal(placed.codec, 'PCMA', 'the answer chose PCMA');

  // A retransmitted 200 (our ACK lost) gets the ACK again.
  far.reply(second, 200, [['Contact', '<sip:phone@127.0.0.1:5099>']], sdpAnswer(media.port));
  assert.deepEqual(far.methods().slice(-1), ['ACK']);
  assert.equal(far.requests.length, 5);

  // Audio: what we play arrives as PCMA; what the far end sends is heard.
  const heard: Int16Array[] = [];
  placed.rtp.onAudio((pcm) => heard.push(pcm));
  await placed.rtp.play(new Int16Array(480).fill(1000));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(media.packets.length, 3);
  assert.equal(parseRtp(media.packets[0]!)!.payloadType, 8);
  const ourPort = Number(/m=audio (\d+)/.exec(first.body.toString())![1]);
  media.socket.send(
    serializeRtp({
      payloadType: 8,
      marker: true,
      sequence: 1,
      timestamp: 160,
      ssrc: 42,
      payload: g711('PCMA').encode(new Int16Array(160).fill(2000)),
    }),
    ourPort,
    '127.0.0.1',
  );
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(heard.length, 1);
  assert.ok(Math.abs(heard[0]![0]! - 2000) < 100);

  await placed.hangUp();
  assert.equal(far.methods().at(-1), 'BYE');
  const bye = far.requests.at(-1)!;
  assert.equal(bye.uri, 'sip:phone@127.0.0.1:5099');
  assert.match(bye.headers.get('to')!, /;tag=far$/);
  assert.equal((await placed.ended).by, 'local');
});

test('486 is busy (ACKed); 600 too; 404 a refusal with its status; nothing at all unreachable', async () => {
  const outcome = async (answer: (far: FarEnd, r: SipRequest) => void) => {
    const far = new FarEnd();
    far.onRequest = (r) => r.method === 'INVITE' && answer(far, r);
    const result = (await calls(far).place('sip:bob@127.0.0.1:5099', {
      from: 'sip:switchboard@a.test',
      ringTimeoutMs: 5000,
    })) as CallFailure;
    return { result, methods: far.methods() };
  };
  const busy = await outcome((far, r) => far.reply(r, 486));
  assert.deepEqual(busy.result, { failed: 'busy', status: 486, reason: 'busy (486 486)' });
  assert.deepEqual(busy.methods, ['INVITE', 'ACK']);
  assert.equal((await outcome((far, r) => far.reply(r, 600))).result.failed, 'busy');
  const missing = await outcome((far, r) => far.reply(r, 404));
  assert.deepEqual([missing.result.failed, missing.result.status], ['refused', 404]);
  const asked = await outcome((far, r) =>
    far.reply(r, 401, [['WWW-Authenticate', 'Digest realm="x", nonce="y"']]),
  );
  assert.match(asked.result.reason, /none are configured/);
  const silent = await outcome(() => undefined);
  assert.deepEqual([silent.result.failed, silent.result.status], ['unreachable', 408]);
  assert.ok(silent.methods.length >= 6, 'the INVITE was resent over UDP before giving up');
});

test('no answer within the ring time: CANCEL (same branch), 487 ACKed, reported as no-answer', async () => {
  const far = new FarEnd();
  let invite: SipRequest | null = null;
  far.onRequest = (r) => {
    if (r.method === 'INVITE') {
      invite = r;
      far.reply(r, 180);
    }
    if (r.method === 'CANCEL') {
      far.reply(r, 200);
      far.reply(invite!, 487);
    }
  };
  const started = Date.now();
  const result = (await calls(far).place('sip:bob@127.0.0.1:5099', {
    from: 'sip:switchboard@a.test',
    ringTimeoutMs: 300,
  })) as CallFailure;
  assert.ok(Date.now() - started >= 290);
  assert.deepEqual(result, { failed: 'no-answer', status: 487, reason: 'no answer within 0.3 s' });
  assert.deepEqual(far.methods(), ['INVITE', 'CANCEL', 'ACK']);
  const [inv, cancel] = far.requests as [SipRequest, SipRequest];
  assert.equal(cancel.headers.get('via'), inv.headers.get('via'));
  assert.equal(cancel.uri, inv.uri);
  assert.equal(cancel.headers.get('cseq')!.split(' ')[0], inv.headers.get('cseq')!.split(' ')[0]);
  assert.equal(cancel.headers.get('to'), inv.headers.get('to'), 'the To without a tag');
});

test('the far end hangs up: its BYE (both tags) ends the call; a stranger’s gets 481; a re-INVITE is ours to refuse', async () => {
  const far = new FarEnd();
  const media = await rtpPeer();
  far.onRequest = (r) =>
    r.method === 'INVITE' &&
    far.reply(r, 200, [['Contact', '<sip:phone@127.0.0.1:5099>']], sdpAnswer(media.port, '0'));
  const outbound = calls(far);
  const placed = (await outbound.place('sip:bob@127.0.0.1:5099', {
    from: 'sip:switchboard@a.test',
    ringTimeoutMs: 5000,
  })) as PlacedCall;
  assert.equal(placed.codec, 'PCMU');
  assert.equal(outbound.active, 1);
  const invite = far.requests[0]!;
  const bye = (fromTag: string): SipRequest => ({
    kind: 'request',
    method: 'BYE',
    uri: 'sip:switchboard@127.0.0.1:5060',
    headers: new SipHeaders([
      ['Via', 'SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKbye'],
      ['From', `<sip:bob@127.0.0.1:5099>;tag=${fromTag}`],
      ['To', invite.headers.get('from')!],
      ['Call-ID', invite.headers.get('call-id')!],
      ['CSeq', '1 BYE'],
    ]),
    body: Buffer.alloc(0),
  });
  assert.ok(outbound.owns(bye('far')));
  assert.equal(outbound.bye(bye('stranger'), peer)!.status, 481);
  assert.equal(placed.signal.aborted, false);
  assert.equal(outbound.bye(bye('far'), peer)!.status, 200);
  assert.equal(placed.signal.aborted, true, 'playback stops at once');
  assert.equal((await placed.ended).by, 'remote');
  assert.equal(outbound.active, 0);
  await placed.hangUp();
  assert.ok(!far.methods().includes('BYE'), 'no BYE of ours after theirs');
  assert.equal(outbound.bye(bye('far'), peer), null, 'not ours any more: voicemail may answer 481');
});

test('bridge: each side’s audio is sent on to the other, in its own codec', async () => {
  const a = new RtpSession(g711('PCMU'), 0, null, {
    audio: () => undefined,
    digit: () => undefined,
  });
  const b = new RtpSession(g711('PCMA'), 8, null, {
    audio: () => undefined,
    digit: () => undefined,
  });
  const [pa, pb] = [await a.open('127.0.0.1'), await b.open('127.0.0.1')];
  const [phoneA, phoneB] = [await rtpPeer(), await rtpPeer()];
  a.connect('127.0.0.1', phoneA.port);
  b.connect('127.0.0.1', phoneB.port);
  const stop = bridge(a, b);
  const packet = (pt: number, seq: number, value: number) =>
    serializeRtp({
      payloadType: pt,
      marker: seq === 1,
      sequence: seq,
      timestamp: seq * 160,
      ssrc: 7,
      payload: g711(pt === 0 ? 'PCMU' : 'PCMA').encode(new Int16Array(160).fill(value)),
    });
  phoneA.socket.send(packet(0, 1, 3000), pa, '127.0.0.1');
  phoneA.socket.send(packet(0, 2, 3000), pa, '127.0.0.1');
  phoneB.socket.send(packet(8, 1, -1500), pb, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(phoneB.packets.length, 2, 'A’s two packets reached B');
  const toB = parseRtp(phoneB.packets[0]!)!;
  assert.equal(toB.payloadType, 8);
  assert.ok(Math.abs(g711('PCMA').decode(toB.payload)[0]! - 3000) < 100);
  assert.equal(parseRtp(phoneB.packets[1]!)!.timestamp - toB.timestamp, 160);
  assert.equal(phoneA.packets.length, 1, 'B’s packet reached A');
  assert.ok(Math.abs(g711('PCMU').decode(parseRtp(phoneA.packets[0]!)!.payload)[0]! + 1500) < 100);
  stop();
  phoneA.socket.send(packet(0, 3, 3000), pa, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(phoneB.packets.length, 2, 'nothing relayed after the bridge is down');
  await Promise.all([a.close(), b.close()]);
});

test('call targets: a number needs a trunk; sip: URIs go straight or through the trunk; UDP only', () => {
  assert.deepEqual(callTarget('tel:+4930123', 'sip:trunk.test'), {
    requestUri: 'sip:+4930123@trunk.test;user=phone',
    hop: { host: 'trunk.test', port: null },
  });
  assert.throws(() => callTarget('tel:+4930123', null), /only be called through a trunk/);
  assert.deepEqual(callTarget('sip:bob@b.test:5070?subject=x', null), {
    requestUri: 'sip:bob@b.test:5070',
    hop: { host: 'b.test', port: 5070 },
  });
  assert.deepEqual(callTarget('sip:bob@b.test', 'sip:10.0.0.1:5080').hop, {
    host: '10.0.0.1',
    port: 5080,
  });
  assert.throws(() => callTarget('sip:bob@b.test', 'sip:t.test;transport=tcp'), /only UDP/);
  assert.throws(() => callTarget('sips:bob@b.test', null), /only UDP/);
});
