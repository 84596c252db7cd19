import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type {
  CallFailure,
  PlaceCallOptions,
  PlacedCall,
} from '../channels/sip/calls/outbound-call.js';
import type { Cdr, Resource } from '../core/delivery.js';
import type { Message } from '../core/message.js';
import type { DialRefusal } from '../router/dial-policy.js';
import { callBackPlacer } from './call-back.js';

const resource = {
  id: 'r1',
  name: 'trunk',
  type: 'voice',
  config: { trunk: 'sip:trunk.example:5060', user: 'acct', callerId: '+15550100' },
  currency: 'EUR',
} as unknown as Resource;
const owner = { subscriberId: 's1', language: 'en', timeZone: 'UTC' };
const from = (address: string) => ({ id: 'm1', from: address }) as unknown as Message;

/** A placer over fakes: a line (or none), a policy verdict, and what the call does. */
function placer(
  o: {
    line?: 'free' | 'busy';
    verdict?: DialRefusal | null;
    answer?: CallFailure | 'answer';
  } = {},
) {
  const cdrs: Cdr[] = [];
  const placed: Array<{ destination: string; options: PlaceCallOptions }> = [];
  let released = 0;
  let ended: (at: number) => void = () => undefined;
  const call = {
    callId: 'c1@x',
    answeredAt: Date.now(),
    ended: new Promise((resolve) => (ended = (at) => resolve({ by: 'remote', at }))),
    hangUp: async () => ended(Date.now()),
  } as unknown as PlacedCall;
  const place = placer0();
  function placer0() {
    return callBackPlacer({
      channels: {
        borrowChannel: async () =>
          o.line === 'busy'
            ? { unavailable: 'busy', reason: 'every voice channel is busy' }
            : {
                resource,
                rate: { prefix: '+4930', priceMicros: 2000 },
                secret: 'trunk-secret',
                release: () => void released++,
              },
      },
      policy: { check: async () => o.verdict ?? null },
      calls: () => ({
        place: async (destination: string, options: PlaceCallOptions) => {
          placed.push({ destination, options });
          const a = o.answer ?? 'answer';
          return a === 'answer' ? call : a;
        },
      }),
      cdrs: { insertCdr: async (c) => void cdrs.push(c) },
      directory: {
        lookup: async () => ({ name: 'Ann', addresses: ['tel:+15550001'] }) as never,
      },
      domain: 'a.test',
      maxSeconds: 3600,
      logger: pino({ level: 'silent' }),
    });
  }
  return {
    place,
    cdrs,
    placed,
    released: () => released,
    end: (at: number) => ended(at),
    call,
  };
}

const signal = new AbortController().signal;

test('call-back: a sender without a number, no free line, and the dial policy each refuse before dialling', async () => {
  const none = placer();
  assert.deepEqual(await none.place(owner, from('mailto:bob@example.org'), signal), {
    refused: 'no-number',
  });
  const busy = placer({ line: 'busy' });
  assert.deepEqual(await busy.place(owner, from('tel:+4930777'), signal), { refused: 'no-line' });
  const abroad = placer({ verdict: { kind: 'destination', reason: 'not allowed' } });
  assert.deepEqual(await abroad.place(owner, from('tel:+4477'), signal), {
    refused: 'not-allowed',
  });
  const broke = placer({ verdict: { kind: 'spend-limit', reason: 'limit' } });
  assert.deepEqual(await broke.place(owner, from('tel:+4930777'), signal), {
    refused: 'spend-limit',
  });
  for (const p of [none, busy, abroad, broke]) {
    assert.equal(p.placed.length, 0, 'nothing dialled');
    assert.equal(p.cdrs.length, 0, 'nothing billed');
  }
  assert.equal(abroad.released() + broke.released(), 2, 'the lines taken are given back');
});

test('call-back: busy is said as busy, and the attempt leaves a CDR of nothing', async () => {
  const p = placer({ answer: { failed: 'busy', status: 486, reason: 'busy (486 Busy Here)' } });
  assert.deepEqual(await p.place(owner, from('tel:+4930777'), signal), { refused: 'busy' });
  assert.equal(p.released(), 1);
  assert.deepEqual(
    p.cdrs.map((c) => [c.result, c.units, c.costMicros, c.subscriberId]),
    [['failed', 0, 0, 's1']],
  );
});

test('call-back: answered, it goes through the trunk with the resource’s caller id, and is billed by the second once ended', async () => {
  const p = placer();
  const result = await p.place(owner, from('tel:+4930777'), signal);
  assert.ok('call' in result);
  const [{ destination, options }] = p.placed as [(typeof p.placed)[0]];
  assert.equal(destination, 'tel:+4930777');
  assert.equal(options.from, 'sip:+15550100@a.test');
  assert.deepEqual(options.trunk, {
    uri: 'sip:trunk.example:5060',
    username: 'acct',
    secret: 'trunk-secret',
  });
  assert.equal(options.signal, signal);
  assert.equal(p.released(), 0, 'the line is held while the call is up');
  p.end(p.call.answeredAt + 61_500);
  await result.finished();
  assert.equal(p.released(), 1);
  const [cdr] = p.cdrs;
  assert.deepEqual(
    [cdr!.deliveryId, cdr!.result, cdr!.unit, cdr!.units, cdr!.costMicros],
    ['call-back:c1@x', 'sent', 'second', 62, 62 * 2000],
  );
});
