import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { ntpFromMs, parseRtcp, serializeRtcp, type RtcpPacket } from '../protocol/rtcp.js';
import { ReceptionStats } from '../protocol/rtp.js';
import { RtcpReporter, type PeerReport, type SenderCounts } from './rtcp-reporter.js';

async function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

const at = (socket: Socket) => ({ address: '127.0.0.1', port: socket.address().port });

async function until(what: string, done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('RTCP reporter: two ends learn how each hears the other, the round trip, and the BYE', async () => {
  const [a, b] = [await bound(), await bound()];
  // A plays a prompt; B only listens, and heard 99 of A's 100 packets with 10 ms of jitter.
  let sentByA = 0;
  const heardByB = new ReceptionStats();
  for (let i = 0; i < 100; i++)
    if (i !== 40) heardByB.note(i, i * 160, 1000 + i * 20 + (i % 2 ? 5 : -5));
  const reportsToA: PeerReport[] = [];
  const byes: (string | undefined)[] = [];
  const alice = new RtcpReporter({
    socket: a,
    remote: at(b),
    ssrc: 0xa11ce,
    intervalMs: 200,
    sent: (): SenderCounts => ({ packets: (sentByA += 7), octets: sentByA * 160, rtpTimestamp: 0 }),
    stats: new ReceptionStats(),
    onReport: (report) => reportsToA.push(report),
  });
  const bob = new RtcpReporter({
    socket: b,
    remote: at(a),
    ssrc: 0xb0b,
    intervalMs: 200,
    sent: () => ({ packets: 0, octets: 0, rtpTimestamp: 0 }),
    stats: heardByB,
    remoteSsrc: () => 0xa11ce,
    onBye: (reason) => byes.push(reason),
  });
  alice.start();
  bob.start();
  try {
    await until(
      'a round trip, and a second report',
      () => alice.peer?.hearing?.roundTripMs != null && reportsToA.length >= 2,
    );
    const { hearing, ...peer } = alice.peer!;
    assert.equal(peer.ssrc, 0xb0b);
    assert.equal(peer.sent, null, 'B sends receiver reports only');
    assert.equal(hearing!.cumulativeLost, 1);
    assert.equal(hearing!.jitterMs, 10);
    assert.ok(hearing!.roundTripMs! >= 0 && hearing!.roundTripMs! < 100, `${hearing!.roundTripMs}`);
    assert.equal(reportsToA[0]!.hearing!.fractionLost, 2 / 256, 'the first report: 1 of 100 lost');
    assert.equal(alice.peer!.hearing!.fractionLost, 0, 'nothing more expected since');
    assert.equal(bob.peer!.ssrc, 0xa11ce);
    assert.equal(bob.peer!.hearing, null, 'A hears nothing of B to report on');
    assert.ok(
      bob.peer!.sent!.packets > 0 && bob.peer!.sent!.octets === bob.peer!.sent!.packets * 160,
    );

    await alice.stop('call ended');
    await until('the BYE', () => byes.length > 0);
    assert.deepEqual(byes, ['call ended']);
    assert.equal(a.listenerCount('message'), 0, 'A stopped listening');
  } finally {
    await alice.stop();
    await bob.stop();
    a.close();
    b.close();
  }
});

test('RTCP reporter: SR while sending, RR two reports after it stops, CNAME each time', async () => {
  const [ours, peer] = [await bound(), await bound()];
  const seen: { at: number; packets: RtcpPacket[] }[] = [];
  peer.on('message', (data) => seen.push({ at: Date.now(), packets: parseRtcp(data)! }));
  const lastSent = Date.now() - 1000;
  const counts: SenderCounts = {
    packets: 50,
    octets: 8000,
    rtpTimestamp: 2 ** 32 - 4000,
    sentAt: lastSent,
  };
  const started = Date.now();
  const reporter = new RtcpReporter({
    socket: ours,
    remote: at(peer),
    ssrc: 42,
    cname: 'call-7',
    intervalMs: 1000,
    random: () => 0,
    sent: () => counts,
    stats: new ReceptionStats(),
  });
  reporter.start();
  try {
    await until('two reports', () => seen.length >= 2);
    // With the randomisation at its least: a quarter of the interval, then half, each / 1.218.
    assert.ok(seen[0]!.at - started >= 200, 'not before the first report is due');
    assert.ok(seen[1]!.at - seen[0]!.at >= 390, 'the regular interval, twice the first');
    const [sr, sdes] = seen[0]!.packets;
    assert.equal(sr!.type, 'sr');
    if (sr?.type === 'sr') {
      assert.deepEqual(
        [sr.ssrc, sr.sender.packets, sr.sender.octets, sr.reports],
        [42, 50, 8000, []],
      );
      // The RTP clock ran on since the last packet (a second before start), past the wrap.
      const expected = -4000 + (seen[0]!.at - lastSent) * 8;
      assert.ok(Math.abs(sr.sender.rtpTimestamp - expected) < 80, `${sr.sender.rtpTimestamp}`);
      assert.ok(Math.abs(sr.sender.ntp.seconds - ntpFromMs(seen[0]!.at).seconds) <= 1);
    }
    assert.deepEqual(sdes, {
      type: 'sdes',
      chunks: [{ ssrc: 42, items: [{ type: 1, text: 'call-7' }] }],
    });
    // No packet since the first report: the second is still an SR, the third an RR.
    await until('a third report', () => seen.length >= 3);
    assert.deepEqual(
      seen.map((s) => s.packets[0]!.type),
      ['sr', 'sr', 'rr'],
    );

    await reporter.stop('bye');
    await until('the BYE', () => seen.length >= 4);
    assert.deepEqual(
      seen[3]!.packets.map((p) => p.type),
      ['rr', 'sdes', 'bye'],
    );
    assert.deepEqual(seen[3]!.packets[2], { type: 'bye', sources: [42], reason: 'bye' });
  } finally {
    await reporter.stop();
    ours.close();
    peer.close();
  }
});

test('RTCP reporter: answers where the peer’s RTCP comes from, and only there', async () => {
  const [ours, natted, stranger] = [await bound(), await bound(), await bound()];
  const reporter = new RtcpReporter({
    socket: ours,
    remote: { address: '127.0.0.1', port: 9 }, // what the SDP said, behind the NAT
    ssrc: 1,
    intervalMs: 100,
    sent: () => ({ packets: 0, octets: 0, rtpTimestamp: 0 }),
    stats: new ReceptionStats(),
  });
  reporter.start();
  const rr = (ssrc: number) =>
    serializeRtcp([
      { type: 'rr', ssrc, reports: [] },
      { type: 'sdes', chunks: [{ ssrc, items: [{ type: 1, text: 'x' }] }] },
    ]);
  try {
    natted.send(rr(2), ours.address().port, '127.0.0.1');
    await until('the peer', () => reporter.peer?.ssrc === 2);
    stranger.send(rr(3), ours.address().port, '127.0.0.1');
    ours.send(Buffer.from('not rtcp'), ours.address().port, '127.0.0.1');
    const [reply] = await once(natted, 'message');
    assert.equal(parseRtcp(reply as Buffer)![0]!.type, 'rr', 'our report went to the NAT’s port');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(reporter.peer!.ssrc, 2, 'the stranger was not heard');
  } finally {
    await reporter.stop();
    for (const s of [ours, natted, stranger]) s.close();
  }
});
