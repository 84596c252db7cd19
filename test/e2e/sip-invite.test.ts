import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { SipHeaders } from '../../src/channels/sip/protocol/headers.js';
import type { SipResponse } from '../../src/channels/sip/protocol/message.js';
import { parseDatagram } from '../../src/channels/sip/protocol/parser.js';
import { serialize } from '../../src/channels/sip/protocol/serialize.js';
import { ServerProcess, subscriberClient } from './harness.js';

/**
 * INVITE transactions at the wire (RFC 3261 17.2.1), with a bare UDP socket: a failure is resent
 * until its ACK comes; CANCEL of nothing gets 481; an INVITE without SDP gets 488.
 */
let server: ServerProcess;
let socket: Socket;
const received: SipResponse[] = [];

before(async () => {
  server = await ServerProcess.start({ SWITCHBOARD_DOMAINS: 'a.test' });
  await subscriberClient(server, { name: 'Ann', addresses: ['sip:ann@a.test'] });
  socket = createSocket('udp4');
  socket.on('message', (data) => {
    const m = parseDatagram(data);
    if (m.kind === 'response') received.push(m);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
});
after(async () => {
  socket.close();
  await server.dispose();
});

function request(
  method: string,
  uri: string,
  branch: string,
  callId: string,
  extra: Array<[string, string]> = [],
  body = '',
) {
  const headers = new SipHeaders([
    ['Via', `SIP/2.0/UDP 127.0.0.1:${socket.address().port};branch=${branch};rport`],
    ['Max-Forwards', '70'],
    ['From', '<sip:carol@b.test>;tag=c1'],
    ['To', `<${uri}>`],
    ['Call-ID', callId],
    ['CSeq', `1 ${method}`],
    ['Contact', `<sip:carol@127.0.0.1:${socket.address().port}>`],
    ...extra,
  ]);
  socket.send(
    serialize({ kind: 'request', method, uri, headers, body: Buffer.from(body) }),
    server.sipPort,
    '127.0.0.1',
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const finals = (callId: string, status: number) =>
  received.filter((r) => r.headers.get('call-id') === callId && r.status === status);

const SDP = [
  'v=0',
  'o=carol 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0',
  '',
].join('\r\n');

test('a failure to an INVITE over UDP is resent until the ACK, then no more', async () => {
  const callId = randomBytes(6).toString('hex');
  const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
  request(
    'INVITE',
    'sip:nobody@a.test',
    branch,
    callId,
    [['Content-Type', 'application/sdp']],
    SDP,
  );
  await sleep(1800);
  const before = finals(callId, 404).length;
  assert.ok(before >= 2, `404 sent ${before} times before the ACK`);
  const to = finals(callId, 404)[0]!.headers.get('to')!;
  socket.send(
    serialize({
      kind: 'request',
      method: 'ACK',
      uri: 'sip:nobody@a.test',
      headers: new SipHeaders([
        ['Via', `SIP/2.0/UDP 127.0.0.1:${socket.address().port};branch=${branch};rport`],
        ['Max-Forwards', '70'],
        ['From', '<sip:carol@b.test>;tag=c1'],
        ['To', to],
        ['Call-ID', callId],
        ['CSeq', '1 ACK'],
      ]),
      body: Buffer.alloc(0),
    }),
    server.sipPort,
    '127.0.0.1',
  );
  await sleep(300);
  const acked = finals(callId, 404).length;
  await sleep(2500);
  assert.equal(finals(callId, 404).length, acked, 'nothing more after the ACK');
});

test('CANCEL of a transaction that does not exist gets 481; an INVITE without SDP gets 488', async () => {
  const cancelId = randomBytes(6).toString('hex');
  request('CANCEL', 'sip:ann@a.test', `z9hG4bK${randomBytes(6).toString('hex')}`, cancelId);
  const noSdp = randomBytes(6).toString('hex');
  request('INVITE', 'sip:ann@a.test', `z9hG4bK${randomBytes(6).toString('hex')}`, noSdp);
  await sleep(700);
  assert.equal(finals(cancelId, 481).length, 1);
  assert.ok(finals(noSdp, 488).length >= 1);
});
