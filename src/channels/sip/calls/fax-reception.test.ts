import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FaxEngine, FaxOutcome, FaxSessionOptions, T38FaxEngine } from '../../../core/fax.js';
import { ClientTransactions, type Target } from '../client-transactions.js';
import { g711 } from '../media/g711.js';
import { RtpSession } from '../media/rtp-session.js';
import { SipHeaders } from '../protocol/headers.js';
import type { SipMessage } from '../protocol/message.js';
import { FaxReception, type ReceivedFax } from './fax-reception.js';

const dir = mkdtempSync(join(tmpdir(), 'fax-reception-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An engine whose session ends as told, once `end` is called; it records what it was given. */
function scriptedEngine(outcome: FaxOutcome) {
  const seen = { heard: 0, stopped: false, options: null as FaxSessionOptions | null };
  let finish: (o: FaxOutcome) => void = () => undefined;
  const engine: FaxEngine = {
    receive: (_file, options) => {
      seen.options = options;
      return {
        hear: (pcm) => (seen.heard += pcm.length),
        stop: () => {
          seen.stopped = true;
          finish(outcome);
        },
        done: new Promise<FaxOutcome>((r) => (finish = r)),
      };
    },
    send: () => {
      throw new Error('not used');
    },
  };
  return { engine, seen, end: () => finish(outcome) };
}

function reception(engine: FaxEngine, file: string, t38?: T38FaxEngine) {
  const sent: SipMessage[] = [];
  const stored: ReceivedFax[] = [];
  const logs: Array<[string, Record<string, unknown>]> = [];
  const transactions: ClientTransactions = new ClientTransactions((_t: Target, m: SipMessage) => {
    sent.push(m);
    // The caller's side answers our BYE.
    if (m.kind === 'request')
      queueMicrotask(() =>
        transactions.response({
          kind: 'response',
          status: 200,
          reason: 'OK',
          headers: new SipHeaders(
            ['via', 'from', 'to', 'call-id', 'cseq'].map((h) => [h, m.headers.get(h)!]),
          ),
          body: Buffer.alloc(0),
        }),
      );
    return true;
  });
  const rtp = new RtpSession(g711('PCMU'), 0, null, { audio: () => undefined, digit: () => {} });
  const call = new FaxReception(
    {
      callId: 'c1',
      localTag: 'l',
      remote: '<sip:+15557654321@127.0.0.1>;tag=r',
      local: '<sip:+15550001@a.test>;tag=l',
      remoteTarget: 'sip:+15557654321@127.0.0.1:5099',
      target: { transport: 'UDP', address: '127.0.0.1', port: 5099 },
      cseq: 1,
    },
    rtp,
    file,
    '+15550001',
    { address: 'tel:+15550001' },
    { address: 'tel:+15557654321', verified: false, basis: 'as given' },
    Date.now() - 1000,
    {
      engine,
      ...(t38 ? { t38 } : {}),
      storeFax: async (f) => {
        stored.push(f);
      },
      maxFaxMs: 60_000,
      transactions,
      local: () => ({ host: '127.0.0.1', port: 5060 }),
      log: (event, detail) => logs.push([event, detail as Record<string, unknown>]),
    },
  );
  return { call, sent, stored, logs };
}

const progress = { remoteId: 'FAX 7', bitRate: 9600, ecm: true };

test('an engine that failed after two pages: the two are stored as an incomplete fax, logged, and we hang up', async () => {
  const file = join(dir, 'failed.tif');
  writeFileSync(file, 'two pages');
  const status = 'the fax engine crashed (signal SIGSEGV)';
  const { engine, seen, end } = scriptedEngine({
    ...progress,
    pages: 2,
    ok: false,
    status,
    engineFailed: true,
  });
  const { call, sent, stored, logs } = reception(engine, file);
  const running = call.run();
  call.audio(new Int16Array(160));
  assert.equal(seen.heard, 160, "the caller's audio reaches the engine");
  assert.equal(seen.options?.ident, '+15550001');
  end();
  await running;
  assert.deepEqual(
    sent.map((m) => (m.kind === 'request' ? m.method : m.status)),
    ['BYE'],
  );
  assert.equal(stored.length, 1);
  assert.equal(stored[0]!.pages, 2);
  assert.equal(stored[0]!.complete, false);
  assert.equal(stored[0]!.status, status);
  assert.equal(stored[0]!.remoteId, 'FAX 7');
  assert.ok(stored[0]!.durationMs >= 1000);
  assert.deepEqual(
    logs.map(([e]) => e),
    ['fax call started', 'fax engine failed', 'fax stored'],
  );
  assert.equal(existsSync(file), false, 'the stored file is removed');
});

test('the caller hanging up stops the engine; with no page, nothing is stored and no BYE is sent', async () => {
  const file = join(dir, 'empty.tif');
  const { engine, seen } = scriptedEngine({
    ...progress,
    pages: 0,
    ok: false,
    status: 'The call dropped prematurely',
    engineFailed: false,
  });
  const { call, sent, stored, logs } = reception(engine, file);
  const running = call.run();
  call.hangUp();
  await running;
  assert.equal(seen.stopped, true);
  assert.equal(sent.length, 0);
  assert.equal(stored.length, 0);
  assert.equal(logs.at(-1)![0], 'fax received no pages');
  assert.equal(logs.at(-1)![1]['callerHungUp'], true);
});

/** A T.38 engine whose session ends as told; it records the file and the packets it got. */
function scriptedT38(outcome: FaxOutcome) {
  const seen = { file: '', packets: 0, stopped: false };
  let finish: (o: FaxOutcome) => void = () => undefined;
  const engine: T38FaxEngine = {
    receiveT38: (file) => {
      seen.file = file;
      return {
        ifp: () => seen.packets++,
        stop: () => {
          seen.stopped = true;
          finish(outcome);
        },
        done: new Promise<FaxOutcome>((r) => (finish = r)),
      };
    },
    sendT38: () => {
      throw new Error('not used');
    },
  };
  return { engine, seen, end: () => finish(outcome) };
}

const offer = {
  address: '127.0.0.1',
  port: 5098,
  version: 0,
  maxBitRate: 14400,
  rateManagement: 'transferredTCF',
  maxDatagram: 400,
  errorCorrection: 't38UDPRedundancy',
};

test('a T.38 offer before the first page: the audio session stops, its file goes, the T.38 one is stored', async () => {
  const file = join(dir, 'switch.tif');
  writeFileSync(file, 'audio so far');
  const audio = scriptedEngine({
    ...progress,
    pages: 0,
    ok: false,
    status: 'stopped',
    engineFailed: false,
  });
  const t38 = scriptedT38({ ...progress, pages: 1, ok: true, status: 'OK', engineFailed: false });
  const { call, stored, logs } = reception(audio.engine, file, t38.engine);
  const running = call.run();
  assert.equal(call.t38(offer), true);
  assert.equal(audio.seen.stopped, true, 'the audio session is stopped');
  assert.equal(t38.seen.file, join(dir, 'switch-t38.tif'));
  writeFileSync(t38.seen.file, 'one page');
  assert.equal(call.t38(offer), false, 'a second offer is not taken');
  t38.end();
  await running;
  assert.equal(existsSync(file), false, "the audio session's file is removed");
  assert.equal(stored.length, 1);
  assert.equal(stored[0]!.file, t38.seen.file);
  assert.equal(stored[0]!.complete, true);
  assert.equal(logs.at(-1)![0], 'fax stored');
  assert.equal(logs.at(-1)![1]['t38'], true);
});

test('a T.38 offer after a page came over audio, or with no T.38 engine, is not taken', async () => {
  const audio = scriptedEngine({
    ...progress,
    pages: 1,
    ok: true,
    status: 'OK',
    engineFailed: false,
  });
  const t38 = scriptedT38({ ...progress, pages: 0, ok: false, status: '', engineFailed: false });
  const late = reception(audio.engine, join(dir, 'late.tif'), t38.engine);
  const running = late.call.run();
  audio.seen.options!.page!({ ...progress, pages: 1 });
  assert.equal(late.call.t38(offer), false);
  assert.equal(audio.seen.stopped, false);
  audio.end();
  await running;
  const without = reception(
    scriptedEngine({ ...progress, pages: 0, ok: false, status: '', engineFailed: false }).engine,
    join(dir, 'no.tif'),
  );
  assert.equal(without.call.t38(offer), false);
});
