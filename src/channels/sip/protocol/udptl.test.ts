import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { parseUdptl, serializeUdptl, UdptlReceiver, UdptlSender } from './udptl.js';

const ifp = (n: number) => Buffer.from([0x06, n, n + 1]);

test('a datagram with redundancy is laid out as T.38 9.1 says and reads back', () => {
  const datagram = serializeUdptl({ seq: 0x1234, primary: ifp(3), secondary: [ifp(2), ifp(1)] });
  assert.deepEqual([...datagram], [0x12, 0x34, 3, 6, 3, 4, 0x00, 2, 3, 6, 2, 3, 3, 6, 1, 2]);
  assert.deepEqual(parseUdptl(datagram), {
    seq: 0x1234,
    primary: ifp(3),
    secondary: [ifp(2), ifp(1)],
  });
});

test('a packet of 128 bytes or more takes a two-byte length', () => {
  const big = Buffer.alloc(300, 7);
  const datagram = serializeUdptl({ seq: 1, primary: big, secondary: [] });
  assert.deepEqual([...datagram.subarray(2, 4)], [0x81, 0x2c]);
  assert.deepEqual(parseUdptl(datagram)?.primary, big);
});

test('a datagram with FEC gives its primary packet', () => {
  // seq 5, primary [0x06 0x01], FEC: npackets 3 (one byte), one parity entry of 2 bytes.
  const datagram = Buffer.from([0, 5, 2, 6, 1, 0x80, 1, 3, 1, 2, 0xaa, 0xbb]);
  assert.deepEqual(parseUdptl(datagram), { seq: 5, primary: Buffer.from([6, 1]), secondary: [] });
});

test('malformed datagrams are refused, never thrown', () => {
  const good = serializeUdptl({ seq: 9, primary: ifp(1), secondary: [ifp(0)] });
  const cases: Buffer[] = [
    Buffer.alloc(0),
    Buffer.from([0]),
    Buffer.from([0, 1]),
    good.subarray(0, good.length - 1), // cut in the last packet
    Buffer.concat([good, Buffer.from([0])]), // trailing bytes
    Buffer.from([0, 1, 0, 0x00, 0]), // an empty primary
    Buffer.from([0, 1, 0xc1, 0, 0]), // a fragmented length
    Buffer.from([0, 1, 1, 6, 0x00, 100]), // 100 redundant copies claimed
    Buffer.from([0, 1, 0x7f, 1, 2, 3]), // longer than the datagram
  ];
  for (const c of cases) assert.equal(parseUdptl(c), null, c.toString('hex'));
  // Random bytes: refused or read, but never an exception.
  for (let i = 0; i < 5000; i++) parseUdptl(randomBytes(i % 64));
});

test('the sender numbers its datagrams and repeats the packets before each', () => {
  const sender = new UdptlSender(2);
  const sent = [1, 2, 3, 4].map((n) => parseUdptl(sender.frame(ifp(n)))!);
  assert.deepEqual(
    sent.map((p) => p.seq),
    [0, 1, 2, 3],
  );
  assert.deepEqual(sent[0]!.secondary, []);
  assert.deepEqual(sent[3]!.secondary, [ifp(3), ifp(2)]);
});

test('the receiver puts packets in order, fills gaps from redundancy, drops repeats and garbage', () => {
  const sender = new UdptlSender(2);
  const datagrams = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => sender.frame(ifp(n)));
  const receiver = new UdptlReceiver();
  const got: number[] = [];
  const take = (d: Buffer) => got.push(...receiver.datagram(d).map((p) => p.seq));
  take(datagrams[0]!);
  take(datagrams[1]!);
  // 2 lost, 3 comes with 2's copy.
  take(datagrams[3]!);
  take(datagrams[1]!); // a repeat
  take(randomBytes(3)); // garbage
  // 4, 5, 6 lost: 7 brings 5 and 6, 4 stays missing.
  take(datagrams[7]!);
  assert.deepEqual(got, [0, 1, 2, 3, 5, 6, 7]);
  assert.equal(receiver.stats.recovered, 3);
  assert.equal(receiver.stats.lost, 1);
  assert.equal(receiver.stats.late, 1);
  assert.ok(receiver.stats.malformed <= 1);
});

test('sequence numbers wrap at 65536', () => {
  const receiver = new UdptlReceiver();
  const at = (seq: number) =>
    receiver.datagram(serializeUdptl({ seq, primary: ifp(1), secondary: [ifp(0)] }));
  assert.equal(at(65535).length, 1);
  assert.deepEqual(
    at(1).map((p) => p.seq),
    [0, 1],
  );
  assert.equal(at(65534).length, 0, 'a late one from before the wrap');
});

test('a sequence number that jumps far is a new numbering, not lost packets; the engine sees no gap', () => {
  const receiver = new UdptlReceiver();
  const at = (seq: number) =>
    receiver.datagram(serializeUdptl({ seq, primary: ifp(1), secondary: [] })).map((p) => p.seq);
  assert.deepEqual(at(10), [10]);
  assert.deepEqual(at(30_000), [11]);
  assert.deepEqual(at(30_001), [12]);
  assert.deepEqual(at(5), [13], 'far back: a new numbering too');
  assert.deepEqual(at(4), [], 'just behind: late');
  assert.equal(receiver.stats.jumps, 2);
  assert.equal(receiver.stats.lost, 0);
  assert.equal(receiver.stats.late, 1);
});
