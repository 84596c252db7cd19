import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SipParseError } from './message.js';
import { parseRtp, ReceptionStats, serializeRtp } from './rtp.js';
import { buildAnswer, chooseFormats, parseAudioOffer } from './sdp.js';
import { DtmfReceiver, parseTelephoneEvent } from './telephone-event.js';

/** What Debian's baresip offers (session-level c=, static PCMU/PCMA, telephone-event). */
const BARESIP_OFFER = [
  'v=0',
  'o=- 1418596286 1623451211 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 10316 RTP/AVP 8 0 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

test('SDP: an offer’s audio stream, its formats in order, and our answer to it', () => {
  const offer = parseAudioOffer(BARESIP_OFFER);
  assert.equal(offer.address, '127.0.0.1');
  assert.equal(offer.port, 10316);
  assert.deepEqual(
    offer.formats.map((f) => `${f.payload} ${f.name}/${f.rate}`),
    ['8 PCMA/8000', '0 PCMU/8000', '101 telephone-event/8000'],
  );
  assert.equal(offer.ptime, 20);
  const { codec, dtmf } = chooseFormats(offer);
  assert.equal(codec?.name, 'PCMA', 'the offerer’s first choice of the two');
  assert.equal(dtmf?.payload, 101);
  const answer = buildAnswer({
    address: '127.0.0.1',
    port: 20000,
    sessionId: 7,
    codec: codec!,
    dtmf,
  });
  assert.match(answer, /^m=audio 20000 RTP\/AVP 8 101\r$/m);
  assert.match(answer, /^a=rtpmap:8 PCMA\/8000\r$/m);
  assert.match(answer, /^a=rtpmap:101 telephone-event\/8000\r$/m);
  assert.deepEqual(
    chooseFormats(parseAudioOffer(answer)).codec?.name,
    'PCMA',
    'our answer parses too',
  );
});

test('SDP: media-level c= wins; G.729 only leaves no codec; no audio is an error', () => {
  const offer = parseAudioOffer(
    'v=0\r\nc=IN IP4 10.0.0.1\r\nm=video 5000 RTP/AVP 96\r\nm=audio 6000 RTP/AVP 18\r\nc=IN IP4 10.0.0.2\r\na=sendonly\r\n',
  );
  assert.equal(offer.address, '10.0.0.2');
  assert.equal(offer.direction, 'sendonly');
  assert.equal(chooseFormats(offer).codec, null);
  assert.throws(() => parseAudioOffer('v=0\r\nm=video 5000 RTP/AVP 96\r\n'), SipParseError);
});

test('RTP: packets round-trip; RTCP and junk are not RTP; gaps and reordered packets are counted', () => {
  const packet = {
    payloadType: 0,
    marker: true,
    sequence: 65535,
    timestamp: 4_000_000_000,
    ssrc: 0xdeadbeef,
    payload: Buffer.alloc(160, 0xff),
  };
  assert.deepEqual(parseRtp(serializeRtp(packet)), packet);
  assert.equal(parseRtp(Buffer.from([0x80, 200, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])), null, 'RTCP SR');
  assert.equal(parseRtp(Buffer.from('hello world!')), null);
  const stats = new ReceptionStats();
  for (const seq of [65533, 65534, 1, 2, 0, 2, 5]) stats.note(seq);
  assert.deepEqual(
    { lost: stats.lost, reordered: stats.reordered, received: stats.received },
    { lost: 3, reordered: 2, received: 7 },
  );
});

test('RFC 4733: one digit per event, however many packets and repeated ends carry it', () => {
  const event = (digit: number, end: boolean, duration: number) =>
    Buffer.from([digit, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);
  assert.deepEqual(parseTelephoneEvent(event(11, true, 800)), {
    digit: '#',
    end: true,
    volume: 10,
    duration: 800,
  });
  assert.equal(parseTelephoneEvent(Buffer.from([20, 0, 0, 0])), null, 'not a DTMF event');
  const receiver = new DtmfReceiver();
  const digits = [
    [1000, event(1, false, 160)],
    [1000, event(1, false, 320)],
    [1000, event(1, true, 480)],
    [1000, event(1, true, 480)],
    [1000, event(1, true, 480)],
    [2000, event(1, false, 160)],
    [3000, event(10, true, 400)],
  ]
    .map(([ts, payload]) => receiver.packet(ts as number, payload as Buffer))
    .filter(Boolean);
  assert.deepEqual(digits, ['1', '1', '*'], 'pressed 1 twice, then star (its start packet lost)');
});
