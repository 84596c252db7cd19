import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Delivery, Resource, SendRequest } from '../../core/delivery.js';
import type { FaxEngine, FaxOutcome } from '../../core/fax.js';
import type { Message } from '../../core/message.js';
import type { CallEnd, CallFailure, PlacedCall } from './calls/outbound-call.js';
import { FaxResource, faxConfigProblem, type FaxResourceDeps } from './fax-resource.js';

function request(): SendRequest {
  return {
    delivery: {
      id: 'd1',
      kind: 'message',
      recipient: 'tel:+4930555100',
      subscriberId: 'ann',
      payload: null,
    } as Delivery,
    message: { id: 'm1', type: 'fax', parts: [] } as unknown as Message,
    part: async () => Buffer.alloc(0),
    partLink: () => '',
    messageLink: () => null,
    noticeCode: async () => null,
    rendition: async () => Buffer.alloc(0),
    resource: {
      name: 'fax-line',
      rates: [{ prefix: '+49', priceMicros: 50_000 }],
      currency: 'EUR',
      config: { trunk: 'sip:127.0.0.1:5099' },
    } as unknown as Resource,
    secret: null,
  };
}

/** An answered call that ends when hung up, 12 s after its answer. */
function answered(): PlacedCall {
  let end: (e: CallEnd) => void = () => undefined;
  const answeredAt = Date.now();
  const ended = new Promise<CallEnd>((r) => (end = r));
  return {
    callId: 'c1',
    rtp: { send: () => undefined },
    answeredAt,
    ringMs: 900,
    ended,
    hangUp: async () => end({ by: 'local', at: answeredAt + 12_000 }),
  } as unknown as PlacedCall;
}

/** An engine whose every session ends at once as told. */
function engine(outcome: Omit<FaxOutcome, 'bitRate' | 'ecm'>): FaxEngine & { idents: string[] } {
  const idents: string[] = [];
  const session = (_file: string, o: { ident: string }) => {
    idents.push(o.ident);
    return {
      hear: () => undefined,
      stop: () => undefined,
      done: Promise.resolve({ bitRate: 9600, ecm: true, ...outcome }),
    };
  };
  return { receive: session, send: session, idents };
}

function resource(
  placed: PlacedCall | CallFailure,
  fax: FaxEngine,
  over: Partial<FaxResourceDeps> = {},
) {
  const disposed: string[] = [];
  const checked: Array<{ expectedUnits: number }> = [];
  const r = new FaxResource({
    calls: () => ({ place: async () => placed }),
    policy: {
      refusal: async (call) => {
        checked.push(call);
        return null;
      },
    },
    engine: fax,
    document: async () => ({
      file: '/tmp/x.tif',
      pages: 3,
      dispose: async () => void disposed.push('x'),
    }),
    sender: async () => ({ addresses: ['tel:+15550001'] }),
    domain: 'a.test',
    log: () => undefined,
    ...over,
  });
  return { r, disposed, checked };
}

test('config: a station id is up to 20 digits, + and spaces; the voice settings are checked too', () => {
  assert.equal(faxConfigProblem({ ident: '+49 30 555000' }), null);
  assert.match(faxConfigProblem({ ident: 'ACME fax' })!, /station id/);
  assert.match(faxConfigProblem({ ringSeconds: 2 })!, /ringSeconds/);
  assert.match(faxConfigProblem({ user: 7 })!, /a fax resource’s config\.user/);
});

test('every page confirmed: sent, counted by the page, with the station id and the call’s seconds', async () => {
  const fax = engine({ pages: 3, remoteId: 'FAX 9', ok: true, status: 'OK', engineFailed: false });
  const { r, disposed, checked } = resource(answered(), fax);
  const outcome = await r.send(request());
  assert.deepEqual(outcome, {
    result: 'sent',
    units: 3,
    unit: 'page',
    remoteId: 'FAX 9',
    seconds: 12,
    detail: '3 pages to tel:+4930555100 (station FAX 9) on a 12 s call',
  });
  assert.deepEqual(fax.idents, ['+15550001'], 'our station id: the caller id’s number');
  assert.equal(checked[0]!.expectedUnits, 3, 'the policy priced it by the page');
  assert.deepEqual(disposed, ['x']);
});

test('not whole: tried again, the far machine’s trouble; the engine’s own failure is ours', async () => {
  const partial = await resource(
    answered(),
    engine({
      pages: 1,
      remoteId: 'FAX 9',
      ok: false,
      status: 'Unexpected DCN while waiting for image data',
      engineFailed: false,
    }),
  ).r.send(request());
  assert.deepEqual(partial, {
    result: 'retry',
    error:
      'tel:+4930555100 (station FAX 9): 1 of 3 pages went through (Unexpected DCN while waiting for image data)',
    remote: true,
  });
  const crashed = await resource(
    answered(),
    engine({
      pages: 0,
      remoteId: '',
      ok: false,
      status: 'the fax engine crashed (signal SIGSEGV)',
      engineFailed: true,
    }),
  ).r.send(request());
  assert.equal(crashed.result, 'retry');
  assert.equal('remote' in crashed && crashed.remote, false);
});

test('busy is tried again; nothing to fax fails; the document is always removed', async () => {
  const fax = engine({ pages: 0, remoteId: '', ok: false, status: 'x', engineFailed: false });
  const busy = resource({ failed: 'busy', status: 486, reason: 'busy (486 Busy Here)' }, fax);
  assert.deepEqual(await busy.r.send(request()), {
    result: 'retry',
    error: 'tel:+4930555100: busy (486 Busy Here)',
    remote: true,
  });
  assert.deepEqual(busy.disposed, ['x']);
  const empty = resource(answered(), fax, {
    document: async () => ({ error: 'a fax message with nothing to fax' }),
  });
  assert.deepEqual(await empty.r.send(request()), {
    result: 'failed',
    error: 'a fax message with nothing to fax',
    remote: true,
  });
  assert.deepEqual(fax.idents, [], 'no fax was started');
});
