import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { SMTPServerSession } from 'smtp-server';
import { newId } from '../../lib/ids.js';
import { BounceAddresses } from './bounce-address.js';
import { DsnReceiver, type DeliveryReportSink } from './dsn.js';

const bounces = new BounceAddresses(randomBytes(32), ['a.test']);
const quiet = { info() {}, warn() {} };

function session(rcpts: string[]): SMTPServerSession {
  return {
    remoteAddress: '127.0.0.1',
    envelope: { mailFrom: { address: '' }, rcptTo: rcpts.map((address) => ({ address })) },
  } as unknown as SMTPServerSession;
}

function recordingSink() {
  const calls: string[] = [];
  const sink: DeliveryReportSink = {
    failed: async (id, _source, error) => (calls.push(`failed ${id} ${error}`), true),
    delayed: async (id, _source, note) => (calls.push(`delayed ${id} ${note}`), true),
  };
  return { sink, calls };
}

test('bounce recipients: taken, forged refused with 550, never mixed with other mail', () => {
  const dsn = new DsnReceiver(bounces, recordingSink().sink, quiet);
  const good = bounces.forDelivery(newId());
  assert.equal(dsn.recipient('ann@a.test', session([])), undefined, 'not ours to judge');
  assert.equal(dsn.recipient(good, session([])), null);
  const forged = dsn.recipient(good.replace(/\.[0-9a-f]+@/, '.ffffffffffffffff@'), session([]));
  assert.equal((forged as Error & { responseCode: number }).responseCode, 550);
  const mixed = dsn.recipient('ann@a.test', session([good]));
  assert.equal((mixed as Error & { responseCode: number }).responseCode, 452);
  const mixedOther = dsn.recipient(good, session(['ann@a.test']));
  assert.equal((mixedOther as Error & { responseCode: number }).responseCode, 452);
});

test('a report goes to the delivery its address names; mail that is no report is dropped', async () => {
  const { sink, calls } = recordingSink();
  const dsn = new DsnReceiver(bounces, sink, quiet);
  const id = newId();
  const to = bounces.forDelivery(id);
  const report = (action: string) =>
    Buffer.from(
      [
        'Content-Type: multipart/report; report-type=delivery-status; boundary=x',
        '',
        '--x',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.b.test',
        '',
        'Final-Recipient: rfc822; bob@b.test',
        `Action: ${action}`,
        'Status: 5.2.2',
        '',
        '--x--',
        '',
      ].join('\r\n'),
    );
  assert.equal(await dsn.message(report('failed'), session(['ann@a.test'])), false);
  assert.equal(await dsn.message(report('failed'), session([to])), true);
  assert.equal(await dsn.message(report('delayed'), session([to])), true);
  assert.equal(await dsn.message(report('relayed'), session([to])), true);
  assert.equal(
    await dsn.message(Buffer.from('Subject: I am away\r\n\r\nback soon'), session([to])),
    true,
  );
  assert.deepEqual(calls, [
    `failed ${id} failed bob@b.test 5.2.2`,
    `delayed ${id} delayed bob@b.test 5.2.2`,
  ]);
});
