import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applicationMark, submittingApplication } from '../../core/application-sms.js';
import { SwitchboardError } from '../../core/errors.js';
import type { Envelope, IngestResult } from '../../core/ingest.js';
import type { SmppAccount } from '../../core/smpp-account.js';
import type { Subscriber } from '../../core/subscriber.js';
import { senderAddress } from '../../directory/smpp-accounts.js';
import { TokenBucket } from '../../lib/token-bucket.js';
import { ApplicationReceipts, type ReceiptSession } from './application-receipts.js';
import { ApplicationSubmissions } from './application-submissions.js';
import { textCoding } from './protocol/data-coding.js';
import { FrameReader, FramingError } from './frame-reader.js';
import { planSms } from './protocol/segments.js';
import { receiptText } from './receipt-text.js';
import { smppFromTel, telFromSmpp } from './smpp-address.js';
import { SmppSession, type SessionHost, type SubmitAnswer } from './smpp-session.js';
import { decodePdu, encodePdu, Status, type Pdu } from './smpp-wire.js';

const quiet = { info() {}, warn() {} };
const OPTIONS = {
  serverId: 'Switchboard',
  maxPduBytes: 4096,
  window: 2,
  bindTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  responseTimeoutMs: 200,
};
const tick = () => new Promise((r) => setImmediate(r));

/** A session over a fake socket: what it wrote, decoded, and whether it closed. */
function harness(host: Partial<SessionHost> = {}) {
  const written: Pdu[] = [];
  const state = { ended: false };
  const session = new SmppSession(
    {
      remote: 'test',
      write: (bytes) => written.push(decodePdu(bytes)),
      end: () => (state.ended = true),
    },
    {
      bind: async () => Status.ESME_ROK,
      submit: async () => ({ status: Status.ESME_ROK, messageId: 'm1' }),
      closed: () => {},
      ...host,
    },
    OPTIONS,
    quiet,
  );
  const send = async (command: string, seq: number, fields: Record<string, unknown> = {}) => {
    session.received(encodePdu(command, seq, fields));
    await tick();
    await tick();
  };
  return { session, written, state, send };
}

test('before a bind only enquire_link and binds are served; a bind twice is ESME_RALYBND', async () => {
  const { written, send, session } = harness();
  await send('enquire_link', 1);
  await send('submit_sm', 2, { destination_addr: '15550101', short_message: Buffer.from('x') });
  await send('bind_transceiver', 3, { system_id: 'shop', password: 'pw' });
  await send('bind_transceiver', 4, { system_id: 'shop', password: 'pw' });
  assert.deepEqual(
    written.map((p) => [p.command, p.sequence_number, p.command_status]),
    [
      ['enquire_link_resp', 1, Status.ESME_ROK],
      ['submit_sm_resp', 2, Status.ESME_RINVBNDSTS],
      ['bind_transceiver_resp', 3, Status.ESME_ROK],
      ['bind_transceiver_resp', 4, Status.ESME_RALYBND],
    ],
  );
  assert.equal(written[2]!.system_id, 'Switchboard');
  assert.equal(session.receives, true);
});

test('a refused bind is answered with the host’s status and the connection closed', async () => {
  const { written, send, state, session } = harness({ bind: async () => Status.ESME_RINVPASWD });
  await send('bind_transmitter', 9, { system_id: 'shop', password: 'bad' });
  assert.equal(written[0]!.command_status, Status.ESME_RINVPASWD);
  assert.ok(state.ended);
  assert.equal(session.state, 'closed');
});

test('a receiver may not submit; a full window is ESME_RMSGQFUL; unknown commands get generic_nack', async () => {
  const r = harness();
  await r.send('bind_receiver', 1);
  await r.send('submit_sm', 2);
  assert.equal(r.written[1]!.command_status, Status.ESME_RINVBNDSTS);

  const waiting: Array<(a: SubmitAnswer) => void> = [];
  const t = harness({ submit: () => new Promise((resolve) => waiting.push(resolve)) });
  await t.send('bind_transmitter', 1);
  for (const seq of [2, 3, 4]) await t.send('submit_sm', seq);
  assert.deepEqual(
    t.written.slice(1).map((p) => [p.sequence_number, p.command_status]),
    [[4, Status.ESME_RMSGQFUL]],
  );
  waiting[0]!({ status: Status.ESME_ROK, messageId: 'a' });
  await tick();
  assert.equal(t.written.at(-1)!.message_id, 'a');
  t.session.received(Buffer.from('00000010000000770000000000000005', 'hex'));
  await tick();
  assert.deepEqual(
    [
      t.written.at(-1)!.command,
      t.written.at(-1)!.command_status,
      t.written.at(-1)!.sequence_number,
    ],
    ['generic_nack', Status.ESME_RINVCMDID, 5],
  );
  await t.send('query_sm', 6);
  assert.deepEqual(
    [t.written.at(-1)!.command, t.written.at(-1)!.command_status],
    ['query_sm_resp', Status.ESME_RINVCMDID],
  );
});

test('an impossible command_length gets generic_nack ESME_RINVCMDLEN and a close', () => {
  const { session, written, state } = harness();
  session.received(Buffer.from('0000000300000000', 'hex'));
  assert.deepEqual(
    [written[0]!.command, written[0]!.command_status],
    ['generic_nack', Status.ESME_RINVCMDLEN],
  );
  assert.ok(state.ended);
  session.received(encodePdu('enquire_link', 1));
  assert.equal(written.length, 1, 'nothing more is read');
});

test('frames are cut from any chunking; too long a PDU is a framing error', () => {
  const a = encodePdu('enquire_link', 1);
  const b = encodePdu('submit_sm', 2, { short_message: Buffer.from('hello') });
  const bytes = Buffer.concat([a, b]);
  const reader = new FrameReader(1000);
  const frames = [...bytes].flatMap((byte) => reader.push(Buffer.from([byte])));
  assert.deepEqual(
    frames.map((f) => decodePdu(f).sequence_number),
    [1, 2],
  );
  assert.throws(() => new FrameReader(100).push(Buffer.from('000000ff', 'hex')), FramingError);
});

test('deliver_sm waits for its response; one not answered in time is an error', async () => {
  const { session, written, send } = harness();
  await send('bind_transceiver', 1);
  const answered = session.request('deliver_sm', { short_message: Buffer.from('r') });
  const seq = written.at(-1)!.sequence_number;
  session.received(encodePdu('deliver_sm_resp', seq));
  assert.equal((await answered).command_status, Status.ESME_ROK);
  // The session's timers do not hold the process open; this test's wait does.
  const keep = setTimeout(() => {}, 1000);
  await assert.rejects(session.request('deliver_sm', {}), /no deliver_sm_resp within 200 ms/);
  clearTimeout(keep);
});

test('SMPP addresses, data codings, receipts text, throughput and the application mark', () => {
  assert.equal(telFromSmpp(1, '4930123'), 'tel:+4930123');
  assert.equal(telFromSmpp(0, '+4930123'), 'tel:+4930123');
  assert.equal(telFromSmpp(0, '004930123'), 'tel:+4930123');
  assert.equal(telFromSmpp(5, 'SHOP'), null);
  assert.equal(telFromSmpp(1, 'abc'), null);
  assert.deepEqual(smppFromTel('tel:+4930123'), { ton: 1, npi: 1, address: '4930123' });
  assert.deepEqual([0x00, 0x01, 0x03, 0x08, 0xf1, 0x18, 0x04, 0xf4, 0x02, 0x06].map(textCoding), [
    0,
    3,
    3,
    8,
    0,
    8,
    null,
    null,
    null,
    null,
  ]);
  const text = receiptText({
    id: 'abc',
    submitted: new Date('2026-11-25T12:00:00Z'),
    done: new Date('2026-11-25T12:01:00Z'),
    stat: 'DELIVRD',
    err: 0,
    text: 'Καλημέρα and a long tail of text',
  });
  assert.equal(
    text,
    'id:abc sub:001 dlvrd:001 submit date:2611251200 done date:2611251201 stat:DELIVRD err:000 text:???????? and a long ',
  );
  const bucket = new TokenBucket(2, 2, 0);
  assert.deepEqual(
    [bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(500)],
    [true, true, false, true],
  );
  assert.equal(submittingApplication(applicationMark('crm')), 'crm');
  assert.equal(submittingApplication('example.test; spf=pass'), null);
  assert.equal(submittingApplication(null), null);
});

const ACCOUNT: SmppAccount = {
  id: 'acc',
  systemId: 'shop',
  subscriberId: 'sub',
  sourceAddresses: [],
  throughput: 100,
  createdAt: '',
  updatedAt: '',
};
const SUBSCRIBER = {
  id: 'sub',
  addresses: ['mailto:s@x.test', 'tel:+15550199'],
  status: 'active',
} as Subscriber;

test('an account sends from its own numbers, or from the ones and prefixes it was given', () => {
  assert.equal(senderAddress(ACCOUNT, SUBSCRIBER, null), 'tel:+15550199');
  assert.equal(senderAddress(ACCOUNT, SUBSCRIBER, '+15550199'), 'tel:+15550199');
  assert.equal(senderAddress(ACCOUNT, SUBSCRIBER, '+15550100'), null);
  const wide = { ...ACCOUNT, sourceAddresses: ['+4930*', '+4940111'] };
  assert.equal(senderAddress(wide, SUBSCRIBER, '+4930777'), 'tel:+4930777');
  assert.equal(senderAddress(wide, SUBSCRIBER, null), 'tel:+4940111');
  assert.equal(senderAddress(wide, SUBSCRIBER, '+15550199'), null);
});

/** Submissions over a fake intake, with receipts going to one fake receiving session. */
function submissions(ingest: (e: Envelope) => Promise<IngestResult>) {
  const sent: Record<string, unknown>[] = [];
  const receiver: ReceiptSession = {
    receives: true,
    request: async (_command, fields) => {
      sent.push(fields);
      return {
        command: 'deliver_sm_resp',
        command_id: 0x80000005,
        command_status: 0,
        sequence_number: 1,
      };
    },
  };
  const receipts = new ApplicationReceipts(
    () => [receiver],
    { maxPending: 10, retryMs: 10, maxAttempts: 2 },
    quiet,
  );
  const subs = new ApplicationSubmissions(
    { ingest, sender: (b, r) => senderAddress(b.account, b.subscriber, r), receipts, log: quiet },
    { concatTimeoutMs: 100, maxPendingTexts: 10 },
  );
  const pdu = (fields: Record<string, unknown>): Pdu => ({
    command: 'submit_sm',
    command_id: 4,
    command_status: 0,
    sequence_number: 1,
    dest_addr_ton: 1,
    destination_addr: '15550101',
    data_coding: 0,
    esm_class: 0,
    ...fields,
  });
  const submit = (fields: Record<string, unknown>) =>
    subs.submit({ account: ACCOUNT, subscriber: SUBSCRIBER }, pdu(fields));
  return { submit, sent, receipts, subs };
}

const stored = (folder = 'inbox'): IngestResult => ({
  copies: [
    { messageId: 'm', mailboxId: 'ann', address: 'tel:+15550101', folder, createdMailbox: false },
  ],
  deliveries: [],
  replayed: false,
});

test('parts are answered only once the joined text is stored, each with its own id; the receipt waits for the acknowledgement', async () => {
  const envelopes: Envelope[] = [];
  const s = submissions(async (e) => {
    envelopes.push(e);
    return stored();
  });
  const plan = planSms('y'.repeat(300), 5);
  const first = s.submit({ esm_class: 0x40, short_message: plan.parts[0], registered_delivery: 1 });
  let early = false;
  void first.then(() => (early = true));
  await tick();
  assert.equal(early, false, 'the first part waits for the second');
  const second = await s.submit({
    esm_class: 0x40,
    short_message: plan.parts[1],
    registered_delivery: 1,
  });
  const answers = [await first, second];
  assert.deepEqual(
    answers.map((a) => a.status),
    [0, 0],
  );
  assert.notEqual(answers[0]!.messageId, answers[1]!.messageId);
  assert.equal(envelopes.length, 1);
  assert.equal(envelopes[0]!.type, 'sms');
  assert.equal(envelopes[0]!.from, 'tel:+15550199');
  assert.equal(envelopes[0]!.authResults, 'switchboard; smpp-application=shop');
  assert.equal(envelopes[0]!.receipt, false);
  await tick();
  assert.equal(s.sent.length, 0, 'no receipt before its submit_sm_resp');
  answers.forEach((a) => a.acknowledged?.());
  await tick();
  assert.deepEqual(
    s.sent.map((f) => [f.receipted_message_id, f.message_state, f.esm_class]),
    [
      [answers[0]!.messageId, 2, 4],
      [answers[1]!.messageId, 2, 4],
    ],
  );
  s.subs.close();
});

test('refusals by intake become SMPP statuses; registered_delivery 2 reports failures only', async () => {
  const s = submissions(async () => {
    throw new SwitchboardError('quota-exceeded', 'full');
  });
  assert.equal(
    (await s.submit({ short_message: Buffer.from('hi') })).status,
    Status.ESME_RSUBMITFAIL,
  );
  const t = submissions(async () => ({
    copies: [],
    deliveries: [{ id: 'd1', kind: 'message' } as IngestResult['deliveries'][number]],
    replayed: false,
  }));
  const ok = await t.submit({
    short_message: Buffer.from('hi'),
    registered_delivery: 2,
    destination_addr: '4930111',
  });
  ok.acknowledged?.();
  const delivered = await t.submit({
    short_message: Buffer.from('hi'),
    registered_delivery: 2,
    destination_addr: '4930111',
  });
  delivered.acknowledged?.();
  t.receipts.deliveryEnded('d1', 'F');
  await tick();
  assert.deepEqual(
    t.sent.map((f) => [f.receipted_message_id, f.message_state]),
    [
      [ok.messageId, 5],
      [delivered.messageId, 5],
    ],
  );
  assert.equal(t.receipts.pending, 0);
  t.subs.close();
  s.subs.close();
});
