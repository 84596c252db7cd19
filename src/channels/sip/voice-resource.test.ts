import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Delivery, Resource, SendRequest } from '../../core/delivery.js';
import type { Message } from '../../core/message.js';
import type { CallFailure, PlacedCall } from './calls/outbound-call.js';
import { wavOf } from '../../media/wav.js';
import { VoiceResource, voiceConfigProblem, type VoiceResourceDeps } from './voice-resource.js';

const wav8k = (samples: number) => wavOf(new Int16Array(samples).fill(0x0101));

function request(over: Partial<Delivery> = {}, resource: Partial<Resource> = {}): SendRequest {
  const message = {
    id: 'm1',
    type: 'voice',
    from: 'tel:+15550001',
    subject: null,
    createdAt: '2030-03-04T15:05:00.000Z',
    durationMs: 800,
    size: 12_844,
    parts: [
      {
        index: 1,
        contentType: 'audio/wav',
        filename: 'voicemail.wav',
        disposition: 'attachment',
        size: 12_844,
        sha256: 'x',
        derivedFrom: null,
        converter: null,
      },
    ],
  } as unknown as Message;
  return {
    delivery: {
      id: 'd1',
      kind: 'message',
      recipient: 'tel:+4930123',
      subscriberId: 'ann',
      payload: null,
      ...over,
    } as Delivery,
    message,
    part: async () => Buffer.alloc(0),
    partLink: () => '',
    messageLink: () => null,
    noticeCode: async () => null,
    rendition: async (_i, format) => {
      assert.equal(format, 'audio/wav;rate=8000');
      return wav8k(6400);
    },
    resource: {
      name: 'calls',
      rates: [{ prefix: '+49', priceMicros: 1000 }],
      currency: 'EUR',
      config: { trunk: 'sip:127.0.0.1:5099', user: 'acct' },
      ...resource,
    } as Resource,
    secret: 'pw',
  };
}

function deps(place: VoiceResourceDeps['calls'], refusal: string | null = null) {
  const said: string[] = [];
  const checked: unknown[] = [];
  const d: VoiceResourceDeps = {
    calls: place,
    policy: {
      refusal: async (call) => {
        checked.push(call);
        return refusal;
      },
    },
    sender: async () => ({
      name: 'Ann',
      language: 'en',
      timeZone: 'Europe/Berlin',
      addresses: ['tel:+15550001'],
    }),
    speak: async (text) => {
      said.push(text);
      return new Int16Array(1600);
    },
    domain: 'a.test',
    log: () => undefined,
  };
  return { d, said, checked };
}

/** A call that is answered at once and plays instantly; `hangUpAfter` plays ends it from afar. */
function answered(hangUpAfter = Infinity) {
  const played: number[] = [];
  const ending = new AbortController();
  let resolve: (e: { by: 'local' | 'remote'; at: number }) => void = () => undefined;
  const ended = new Promise<{ by: 'local' | 'remote'; at: number }>((r) => (resolve = r));
  const answeredAt = Date.now();
  const call = {
    callId: 'c1',
    ringMs: 1200,
    answeredAt,
    signal: ending.signal,
    ended,
    rtp: {
      play: async (pcm: Int16Array) => {
        played.push(pcm.length);
        if (played.length >= hangUpAfter) {
          ending.abort();
          resolve({ by: 'remote', at: answeredAt + 4200 });
        }
      },
    },
    hangUp: async () => {
      if (ending.signal.aborted) return;
      ending.abort();
      resolve({ by: 'local', at: answeredAt + 12_300 });
    },
  } as unknown as PlacedCall;
  return { call, played };
}

test('answered: introduction, the recording, goodbye; sent with the call’s seconds', async () => {
  const { call, played } = answered();
  let options: any;
  const { d, said, checked } = deps(() => ({
    place: async (dest, o) => {
      assert.equal(dest, 'tel:+4930123');
      options = o;
      return call;
    },
  }));
  const outcome = await new VoiceResource(d).send(request());
  assert.equal(outcome.result, 'sent');
  assert.deepEqual([(outcome as any).units, (outcome as any).unit], [13, 'second']);
  assert.match((outcome as any).detail, /answered after 1.2 s; a 13 s call; .*played to the end/);
  assert.deepEqual(played, [1600, 6400, 1600], 'intro, message, goodbye');
  assert.match(said[0]!, /voice message from Ann, left on Monday.*4 March 2030.*16:05/);
  assert.deepEqual(options.trunk, { uri: 'sip:127.0.0.1:5099', username: 'acct', secret: 'pw' });
  assert.equal(options.from, 'sip:+15550001@a.test', 'the sender’s number as caller id');
  assert.equal(options.ringTimeoutMs, 30_000);
  assert.deepEqual(checked[0], {
    destination: 'tel:+4930123',
    subscriberId: 'ann',
    rate: { prefix: '+49', priceMicros: 1000 },
    currency: 'EUR',
    expectedUnits: 10.8,
  });
});

test('the far end hangs up during the message: still sent, its seconds, and the detail says so', async () => {
  const { call } = answered(2);
  const { d } = deps(() => ({ place: async () => call }));
  const outcome = (await new VoiceResource(d).send(request())) as any;
  assert.deepEqual([outcome.result, outcome.units], ['sent', 5]);
  assert.match(outcome.detail, /hung up after 4 s, before the message ended/);
});

test('refused by the dial policy: failed at once, no call, not the resource’s fault', async () => {
  let placed = false;
  const { d } = deps(
    () => ({
      place: async () => {
        placed = true;
        throw new Error('no');
      },
    }),
    '+4420 is not an allowed destination',
  );
  const outcome = await new VoiceResource(d).send(request({ recipient: 'tel:+4420' }));
  assert.deepEqual(outcome, {
    result: 'failed',
    error: '+4420 is not an allowed destination',
    remote: true,
  });
  assert.equal(placed, false);
});

test('busy and no answer are retried; 404 fails; 503 from the trunk is retried against the resource', async () => {
  const failing = (f: CallFailure) => deps(() => ({ place: async () => f })).d;
  const send = (f: CallFailure) => new VoiceResource(failing(f)).send(request());
  assert.deepEqual(await send({ failed: 'busy', status: 486, reason: 'busy (486 Busy Here)' }), {
    result: 'retry',
    error: 'tel:+4930123: busy (486 Busy Here)',
    remote: true,
  });
  assert.equal((await send({ failed: 'no-answer', status: 487, reason: 'x' })).result, 'retry');
  assert.deepEqual(await send({ failed: 'refused', status: 404, reason: '404 Not Found' }), {
    result: 'failed',
    error: 'tel:+4930123: 404 Not Found',
    remote: true,
  });
  assert.deepEqual(await send({ failed: 'refused', status: 503, reason: '503' }), {
    result: 'retry',
    error: 'tel:+4930123: 503',
    remote: false,
  });
});

test('a text message is read out; a notification says its text; config is checked', async () => {
  const { call } = answered();
  const { d, said } = deps(() => ({ place: async () => call }));
  const text = request();
  text.message = {
    ...text.message,
    type: 'text',
    subject: 'Lunch',
    durationMs: null,
    parts: [
      {
        ...text.message.parts[0]!,
        contentType: 'text/plain; charset=utf-8',
        disposition: 'inline',
      },
    ],
  };
  text.part = async () => Buffer.from('See you at noon.');
  assert.equal((await new VoiceResource(d).send(text)).result, 'sent');
  assert.match(said[0]!, /with a message from Ann/);
  assert.equal(said[1], 'Subject: Lunch. See you at noon.');

  said.length = 0;
  const notice = request({
    kind: 'notification',
    payload: { text: 'You have a new voice message from Bob.', language: 'de' },
  });
  assert.equal(
    (await new VoiceResource(deps(() => ({ place: async () => answered().call })).d).send(notice))
      .result,
    'sent',
  );

  assert.equal(
    voiceConfigProblem({ trunk: 'sip:trunk.test:5060', user: 'x', ringSeconds: 20 }),
    null,
  );
  assert.match(voiceConfigProblem({ trunk: 'sip:trunk.test;transport=tcp' })!, /only UDP/);
  assert.match(voiceConfigProblem({ trunk: 'http://x' })!, /config.trunk/);
  assert.match(voiceConfigProblem({ ringSeconds: 2 })!, /ringSeconds/);
});
