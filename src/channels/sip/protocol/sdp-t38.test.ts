import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeT38, parseT38Offer, refusalOf } from './sdp-t38.js';

const offer = (attributes: string[], m = 'm=image 40000 udptl t38') =>
  ['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', m, ...attributes].join(
    '\r\n',
  );

test('a gateway’s T.38 offer is read and taken', () => {
  const parsed = parseT38Offer(
    offer([
      'a=T38FaxVersion:0',
      'a=T38MaxBitRate:14400',
      'a=T38FaxRateManagement:transferredTCF',
      'a=T38FaxMaxDatagram:400',
      'a=T38FaxUdpEC:t38UDPRedundancy',
    ]),
  );
  assert.deepEqual(parsed, {
    address: '10.0.0.1',
    port: 40000,
    version: 0,
    maxBitRate: 14400,
    rateManagement: 'transferredTCF',
    maxDatagram: 400,
    errorCorrection: 't38UDPRedundancy',
  });
  assert.equal(refusalOf(parsed!), null);
});

test('audio offers and a T.38 stream with port 0 are not T.38 offers', () => {
  assert.equal(parseT38Offer(offer([], 'm=audio 4000 RTP/AVP 0')), null);
  assert.equal(parseT38Offer(offer([], 'm=image 0 udptl t38')), null);
});

test('an unknown version, local TCF or a tiny datagram is refused with the reason', () => {
  assert.match(refusalOf(parseT38Offer(offer(['a=T38FaxVersion:7']))!)!, /T38FaxVersion 7/);
  assert.match(refusalOf(parseT38Offer(offer(['a=T38FaxVersion:x']))!)!, /malformed/);
  assert.match(
    refusalOf(parseT38Offer(offer(['a=T38FaxRateManagement:localTCF']))!)!,
    /transferredTCF/,
  );
  assert.match(refusalOf(parseT38Offer(offer(['a=T38FaxMaxDatagram:20']))!)!, /too small/);
});

test('our description names the port, version 0, transferred TCF and redundancy', () => {
  const sdp = describeT38({ address: '127.0.0.1', port: 5004, sessionId: 9 });
  assert.match(sdp, /\r\nm=image 5004 udptl t38\r\n/);
  assert.match(sdp, /a=T38FaxVersion:0\r\n/);
  assert.match(sdp, /a=T38FaxRateManagement:transferredTCF\r\n/);
  assert.match(sdp, /a=T38FaxUdpEC:t38UDPRedundancy\r\n/);
  assert.equal(parseT38Offer(sdp)?.port, 5004);
});
