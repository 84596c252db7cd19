import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compactNtp,
  msFromNtp,
  ntpFromMs,
  parseRtcp,
  roundTripMs,
  SDES_CNAME,
  serializeRtcp,
  type ReportBlock,
  type RtcpPacket,
} from './rtcp.js';
import { serializeRtp } from './rtp.js';

/**
 * A phone's compound report as a capture shows it: an SR with one report block, then its CNAME.
 */
const CAPTURED = Buffer.from(
  [
    '81c8000c', // V=2, RC=1, SR, 12 words follow
    '2b5e47a1', // sender SSRC
    'e9a1b5c3 4189374b', // NTP time: seconds, fraction (0.256 s)
    '0003e9c0', // RTP timestamp 256448
    '000000fa', // 250 packets
    '00009c40', // 40000 octets
    '7d1e9b22', // report block: about this source
    '05 00000c', // 5/256 lost lately, 12 in all
    '0001038e', // highest sequence 910, wrapped once
    '00000023', // jitter 35
    'b5c3410f', // LSR
    '00012000', // DLSR: 1.125 s
    '81ca0007', // V=2, SC=1, SDES, 7 words follow
    '2b5e47a1', // the chunk's SSRC
    '0113', // CNAME, 19 octets
    Buffer.from('7f3a9c2e@192.0.2.15').toString('hex'),
    '000000', // the end of the items, and padding to 32 bits
  ]
    .join('')
    .replace(/ /g, ''),
  'hex',
);

const block: ReportBlock = {
  ssrc: 0x7d1e9b22,
  fractionLost: 5,
  cumulativeLost: 12,
  extendedHighest: 0x1038e,
  jitter: 35,
  lastSr: 0xb5c3410f,
  delaySinceLastSr: 0x12000,
};

test('RTCP: a captured SR with a report block and a CNAME', () => {
  assert.equal(CAPTURED.length, 84);
  const packets = parseRtcp(CAPTURED);
  assert.deepEqual(packets, [
    {
      type: 'sr',
      ssrc: 0x2b5e47a1,
      sender: {
        ntp: { seconds: 0xe9a1b5c3, fraction: 0x4189374b },
        rtpTimestamp: 256448,
        packets: 250,
        octets: 40000,
      },
      reports: [block],
    },
    {
      type: 'sdes',
      chunks: [{ ssrc: 0x2b5e47a1, items: [{ type: 1, text: '7f3a9c2e@192.0.2.15' }] }],
    },
  ]);
  assert.deepEqual(serializeRtcp(packets!), CAPTURED, 'and back, byte for byte');
});

test('RTCP: compound packets round-trip, whatever their contents', () => {
  const compounds: RtcpPacket[][] = [
    [
      { type: 'rr', ssrc: 1, reports: [] },
      { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: SDES_CNAME, text: 'abcd' }] }] },
    ],
    [
      {
        type: 'rr',
        ssrc: 0xffffffff,
        reports: [block, { ...block, ssrc: 9, cumulativeLost: -3, fractionLost: 0 }],
      },
      {
        type: 'sdes',
        chunks: [
          {
            ssrc: 0xffffffff,
            items: [
              { type: SDES_CNAME, text: 'x' },
              { type: 6, text: 'Switchboard' },
            ],
          },
          { ssrc: 2, items: [] },
        ],
      },
      { type: 'bye', sources: [0xffffffff], reason: 'call ended — au revoir' },
    ],
    [
      {
        type: 'sr',
        ssrc: 7,
        sender: {
          ntp: ntpFromMs(Date.UTC(2030, 0, 1)),
          rtpTimestamp: 2 ** 32 - 1,
          packets: 0,
          octets: 0,
        },
        reports: [block],
      },
      { type: 'bye', sources: [7, 8] },
      { type: 'other', packetType: 204, count: 3, body: Buffer.from('nameDATA') },
    ],
  ];
  for (const packets of compounds) {
    const bytes = serializeRtcp(packets);
    assert.equal(bytes.length % 4, 0);
    assert.deepEqual(parseRtcp(bytes), packets);
  }
  // CNAMEs whose items end exactly on a 32-bit boundary still get their terminating null.
  for (let n = 0; n < 8; n++) {
    const sdes: RtcpPacket[] = [
      { type: 'sdes', chunks: [{ ssrc: 3, items: [{ type: 1, text: 'c'.repeat(n) }] }] },
    ];
    assert.deepEqual(parseRtcp(serializeRtcp(sdes)), sdes, `CNAME of ${n}`);
  }
});

test('RTCP: unknown types (feedback, XR) are kept; a padded last packet is read', () => {
  const xr = Buffer.from('80cf0002' + '2b5e47a1' + '04000000', 'hex'); // XR, one empty block
  const nack = Buffer.from('81cd0003' + '2b5e47a1' + '7d1e9b22' + '00050000', 'hex'); // RTPFB
  const packets = parseRtcp(Buffer.concat([CAPTURED.subarray(0, 52), xr, nack]));
  assert.deepEqual(
    packets?.map((p) => (p.type === 'other' ? p.packetType : p.type)),
    ['sr', 207, 205],
  );
  // An RR padded with four octets (the last of which counts them), as SRTP senders may.
  const padded = Buffer.from('a0c90002' + '00000001' + '00000004', 'hex');
  assert.deepEqual(parseRtcp(padded), [{ type: 'rr', ssrc: 1, reports: [] }]);
  assert.equal(parseRtcp(Buffer.concat([padded, xr])), null, 'padding on other than the last');
});

test('RTCP: malformed packets are null, never an exception', () => {
  assert.equal(parseRtcp(Buffer.alloc(0)), null);
  for (let n = 1; n < CAPTURED.length; n++)
    assert.equal(parseRtcp(CAPTURED.subarray(0, n)) === null, n !== 52, `cut to ${n} octets`);
  const rtp = serializeRtp({
    payloadType: 0,
    marker: true,
    sequence: 1,
    timestamp: 1,
    ssrc: 1,
    payload: Buffer.alloc(160),
  });
  assert.equal(parseRtcp(rtp), null, 'RTP sharing the port');
  const altered = (at: number, value: number) => {
    const copy = Buffer.from(CAPTURED);
    copy[at] = value;
    return parseRtcp(copy);
  };
  assert.equal(altered(0, 0x41), null, 'version 1');
  assert.equal(altered(3, 0x0d), null, 'a length beyond the end');
  assert.equal(altered(3, 0x0b), null, 'a length short of the report block');
  assert.equal(altered(0, 0x82), null, 'two report blocks claimed, one there');
  assert.equal(altered(61, 0x16), null, 'a CNAME running over its terminating null');
  assert.equal(altered(52, 0x82), null, 'two SDES chunks claimed, one there');
  const bye = Buffer.from('81cb0002' + '00000001' + '05616263', 'hex'); // reason of 5, 3 there
  assert.equal(parseRtcp(bye), null, 'a BYE reason longer than the packet');
  // Random damage: whatever comes out, nothing is thrown.
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  for (let i = 0; i < 20000; i++) {
    const copy = Buffer.from(CAPTURED);
    for (let k = 0; k < 1 + (i % 4); k++) copy[next() % copy.length] = next() & 0xff;
    parseRtcp(copy.subarray(0, copy.length - 4 * (next() % 3)));
  }
});

test('RTCP: NTP times, LSR, and the round trip a report block reveals', () => {
  const sent = Date.UTC(2025, 5, 1, 12, 0, 0, 250);
  const ntp = ntpFromMs(sent);
  assert.equal(ntp.seconds, Math.floor(sent / 1000) + 2_208_988_800);
  assert.equal(ntp.fraction, 2 ** 30);
  assert.equal(msFromNtp(ntp), sent);
  assert.equal(compactNtp(ntp), (((ntp.seconds & 0xffff) << 16) | 0x4000) >>> 0);
  // The peer holds our SR 500 ms before reporting; its report arrives 620 ms after we sent.
  const answer = { ...block, lastSr: compactNtp(ntp), delaySinceLastSr: 0x8000 };
  const rtt = roundTripMs(answer, ntpFromMs(sent + 620))!;
  assert.ok(Math.abs(rtt - 120) < 0.1, `${rtt} ms`);
  assert.equal(roundTripMs({ ...answer, lastSr: 0 }, ntpFromMs(sent + 620)), null, 'no SR yet');
  assert.equal(roundTripMs(answer, ntpFromMs(sent + 400)), 0, 'never negative');
});
