import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReceptionStats } from './rtp.js';

/** 20 ms of G.711 at 8 kHz: what a phone's timestamp advances by each packet. */
const FRAME = 160;

/** Notes packets sent every 20 ms, each arriving `delay(i)` ms after its send time. */
function stream(
  stats: ReceptionStats,
  count: number,
  delay: (i: number) => number,
  start = { sequence: 1000, timestamp: 50_000 },
): void {
  const arrivals = Array.from({ length: count }, (_, i) => ({ i, at: i * 20 + delay(i) }));
  arrivals.sort((a, b) => a.at - b.at);
  for (const { i, at } of arrivals)
    stats.note((start.sequence + i) & 0xffff, (start.timestamp + i * FRAME) >>> 0, 1e6 + at);
}

test('reception: steady packets have no jitter and none late, across a timestamp wrap', () => {
  const stats = new ReceptionStats();
  stream(stats, 500, () => 30, { sequence: 65500, timestamp: 2 ** 32 - 10 * FRAME });
  assert.deepEqual(
    { jitter: stats.jitter, late: stats.late, lost: stats.lost, reordered: stats.reordered },
    { jitter: 0, late: 0, lost: 0, reordered: 0 },
  );
});

test('reception: interarrival jitter as RFC 3550 A.8 smooths it, in timestamp units and ms', () => {
  const stats = new ReceptionStats();
  // Alternately 5 ms early and 5 ms late: every transit differs from the last by 10 ms.
  stream(stats, 300, (i) => (i % 2 ? 35 : 25));
  assert.ok(Math.abs(stats.jitter - 80) < 0.01, `${stats.jitter} units`);
  assert.ok(Math.abs(stats.jitterMs - 10) < 0.01, `${stats.jitterMs} ms`);
  assert.equal(stats.late, 0, '10 ms of wobble is well within the playout deadline');

  // After a single 10 ms step, J = 80/16: the estimator's gain is 1/16.
  const step = new ReceptionStats();
  stream(step, 2, (i) => i * 10);
  assert.equal(step.jitter, 5);
});

test('reception: late means behind the playout deadline, apart from out of order', () => {
  // Packet 10 is held up 80 ms: it comes after 11-13, out of order and too late to play.
  // 30-34 meet a queue that drains: 70, 55, 40, 25 and 10 ms late, in order; only 30 too late.
  // 50 is held up 21 ms and comes just after 51: out of order, in time.
  const delays = new Map([
    [10, 80],
    [30, 70],
    [31, 55],
    [32, 40],
    [33, 25],
    [34, 10],
    [50, 21],
  ]);
  const stats = new ReceptionStats();
  stream(stats, 100, (i) => delays.get(i) ?? 0);
  assert.deepEqual(
    { late: stats.late, reordered: stats.reordered, lost: stats.lost, received: stats.received },
    { late: 2, reordered: 2, lost: 0, received: 100 },
  );

  const strict = new ReceptionStats({ lateAfterMs: 20 });
  stream(strict, 100, (i) => delays.get(i) ?? 0);
  assert.equal(strict.late, 6, 'a 20 ms deadline misses all but the 10 ms one');
});

test('reception: the deadline runs from the quickest transit, not the first packet’s', () => {
  const stats = new ReceptionStats();
  // The first packet is 15 ms slow; packet 40, 65 ms slow, is 50 ms behind the first one's
  // pace but 65 behind the quickest's.
  stream(stats, 50, (i) => (i === 0 ? 15 : i === 40 ? 65 : 0));
  assert.equal(stats.late, 1);
});

test('reception: sequence numbers alone still count, with no jitter or lateness', () => {
  const stats = new ReceptionStats();
  for (const seq of [1, 2, 4, 3, 5]) stats.note(seq);
  assert.deepEqual(
    { lost: stats.lost, reordered: stats.reordered, late: stats.late, jitter: stats.jitter },
    { lost: 0, reordered: 1, late: 0, jitter: 0 },
  );
});

test('reception: report blocks’ figures, with the fraction lost since the last report', () => {
  const stats = new ReceptionStats();
  assert.equal(stats.report(), null, 'nothing to report on yet');
  // 100 expected from 65530, wrapping: every tenth lost.
  for (let i = 0; i < 100; i++) if (i % 10 !== 5) stats.note((65530 + i) & 0xffff);
  assert.deepEqual(stats.report(), {
    extendedHighest: 0x1_0000 + ((65530 + 99) & 0xffff),
    cumulativeLost: 10,
    fractionLost: Math.floor((10 * 256) / 100),
    jitter: 0,
  });
  // The next 50 all came: nothing lost in this interval, the total unchanged.
  for (let i = 100; i < 150; i++) stats.note((65530 + i) & 0xffff);
  assert.deepEqual(
    { ...stats.report()!, extendedHighest: 0 },
    { extendedHighest: 0, cumulativeLost: 10, fractionLost: 0, jitter: 0 },
  );
  // Duplicates: more received than expected, so the total goes down and the fraction is 0.
  for (let i = 140; i < 150; i++) stats.note((65530 + i) & 0xffff);
  const report = stats.report()!;
  assert.equal(report.cumulativeLost, 0);
  assert.equal(report.fractionLost, 0);
  // Half of the next 20 lost.
  for (let i = 150; i < 170; i += 2) stats.note((65530 + i + 1) & 0xffff);
  assert.equal(stats.report()!.fractionLost, 128);
});
