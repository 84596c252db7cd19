import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Target } from './client-transactions.js';
import { InviteClientTransaction, type InviteTransport } from './invite-transaction.js';
import { SipHeaders } from './protocol/headers.js';
import type { SipMessage, SipRequest, SipResponse } from './protocol/message.js';

const T1 = 20;
const UDP: Target = { transport: 'UDP', address: '127.0.0.1', port: 5090 };

/** A transport that records what is sent, when, and lets the test answer on the INVITE's branch. */
class FakeTransport implements InviteTransport {
  readonly sent: Array<{ at: number; message: SipMessage }> = [];
  private listener: ((r: SipResponse) => void) | null = null;
  private readonly started = Date.now();

  send(_target: Target, message: SipMessage): boolean {
    this.sent.push({ at: Date.now() - this.started, message });
    return true;
  }

  listenInvite(_branch: string, onResponse: (r: SipResponse) => void): () => void {
    this.listener = onResponse;
    return () => (this.listener = null);
  }

  answer(status: number, toTag = 'far1'): void {
    this.listener?.(respond(invite, status, toTag));
  }

  get listening(): boolean {
    return this.listener !== null;
  }

  methods(): string[] {
    return this.sent.map((s) => (s.message.kind === 'request' ? s.message.method : 'response'));
  }
}

const invite: SipRequest = {
  kind: 'request',
  method: 'INVITE',
  uri: 'sip:+4930123@trunk.test;user=phone',
  headers: new SipHeaders([
    ['Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKinvite1;rport'],
    ['Max-Forwards', '70'],
    ['From', '<sip:switchboard@a.test>;tag=ours'],
    ['To', '<sip:+4930123@trunk.test;user=phone>'],
    ['Call-ID', 'call-1@a.test'],
    ['CSeq', '7 INVITE'],
    ['Route', '<sip:proxy.test;lr>'],
  ]),
  body: Buffer.alloc(0),
};

function respond(request: SipRequest, status: number, toTag: string): SipResponse {
  return {
    kind: 'response',
    status,
    reason: String(status),
    headers: new SipHeaders([
      ['Via', request.headers.get('via')!],
      ['From', request.headers.get('from')!],
      ['To', `${request.headers.get('to')!};tag=${toTag}`],
      ['Call-ID', request.headers.get('call-id')!],
      ['CSeq', request.headers.get('cseq')!],
    ]),
    body: Buffer.alloc(0),
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function events() {
  const seen = {
    provisional: [] as number[],
    success: [] as number[],
    failure: [] as Array<number | null>,
  };
  return {
    seen,
    handlers: {
      provisional: (r: SipResponse) => seen.provisional.push(r.status),
      success: (r: SipResponse) => seen.success.push(r.status),
      failure: (r: SipResponse | null) => seen.failure.push(r?.status ?? null),
    },
  };
}

test('over UDP the INVITE is resent at T1, 2T1, 4T1... and given up after 64*T1 (Timer B)', async () => {
  const transport = new FakeTransport();
  const { seen, handlers } = events();
  new InviteClientTransaction(transport, UDP, invite, handlers, T1);
  await wait(64 * T1 + 100);
  const times = transport.sent.map((s) => s.at);
  // Sent at 0, then T1, 3T1, 7T1, 15T1, 31T1, 63T1: seven times before Timer B fires at 64T1
  // (the last one only just, so a slow machine may see six).
  assert.ok(times.length === 7 || times.length === 6, `sent at ${times.join(', ')}`);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  gaps.forEach((gap, i) => assert.ok(Math.abs(gap - T1 * 2 ** i) < T1, `gap ${i}: ${gap} ms`));
  assert.deepEqual(seen.failure, [null], 'Timer B: no response at all');
  assert.equal(transport.listening, false);
});

test('over TCP nothing is resent', async () => {
  const transport = new FakeTransport();
  const { seen, handlers } = events();
  new InviteClientTransaction(transport, { ...UDP, transport: 'TCP' }, invite, handlers, T1);
  await wait(8 * T1);
  assert.equal(transport.sent.length, 1);
  transport.answer(200);
  assert.deepEqual(seen.success, [200]);
});

test('a 1xx stops the retransmissions and Timer B; the 2xx and its retransmissions go to the caller', async () => {
  const transport = new FakeTransport();
  const { seen, handlers } = events();
  const tx = new InviteClientTransaction(transport, UDP, invite, handlers, T1);
  await wait(T1 / 2);
  transport.answer(100);
  transport.answer(180);
  assert.ok(tx.proceeding);
  await wait(64 * T1 + 50);
  assert.equal(transport.sent.length, 1, 'no retransmission once something answered');
  assert.deepEqual(seen.failure, [], 'no Timer B while proceeding: the ring time is the caller’s');
  transport.answer(200);
  transport.answer(200);
  assert.deepEqual(seen.provisional, [100, 180]);
  assert.deepEqual(seen.success, [200, 200], 'the caller ACKs every 2xx, so it hears each');
  assert.equal(transport.sent.length, 1, 'the transaction sends no ACK for a 2xx');
  tx.terminate();
});

test('486: ACKed in the same transaction (same branch, the far end’s To tag), again for each retransmission', async () => {
  const transport = new FakeTransport();
  const { seen, handlers } = events();
  new InviteClientTransaction(transport, UDP, invite, handlers, T1);
  transport.answer(180);
  transport.answer(486, 'busy1');
  assert.deepEqual(seen.failure, [486]);
  const ack = transport.sent[1]!.message as SipRequest;
  assert.equal(ack.method, 'ACK');
  assert.equal(ack.uri, invite.uri);
  assert.equal(
    ack.headers.get('via'),
    invite.headers.get('via'),
    'the INVITE’s top Via, its branch',
  );
  assert.equal(ack.headers.get('cseq'), '7 ACK');
  assert.match(ack.headers.get('to')!, /;tag=busy1$/);
  assert.equal(ack.headers.get('from'), invite.headers.get('from'));
  assert.equal(ack.headers.get('route'), '<sip:proxy.test;lr>');
  transport.answer(486, 'busy1');
  assert.deepEqual(transport.methods(), ['INVITE', 'ACK', 'ACK']);
  assert.deepEqual(seen.failure, [486], 'the failure is reported once');
  await wait(3 * T1);
  assert.deepEqual(transport.methods(), ['INVITE', 'ACK', 'ACK'], 'no INVITE after the failure');
});
