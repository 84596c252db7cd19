import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDeliveryStatus } from './delivery-status.js';

test('a failure report gives each recipient its action, status and folded diagnostic', () => {
  const report = parseDeliveryStatus(
    [
      'Reporting-MTA: dns; mx.b.test',
      'Arrival-Date: Thu, 1 Jan 2030 00:00:00 +0000',
      '',
      'Final-Recipient: rfc822; someone@b.test',
      'Action: failed',
      'Status: 5.1.1 (user unknown)',
      'Diagnostic-Code: smtp; 550 5.1.1 no such',
      '  user here',
      '',
      'Original-Recipient: rfc822;other@b.test',
      'ACTION: Delayed',
      'Status: 4.4.1',
      '',
    ].join('\r\n'),
  );
  assert.deepEqual(report, {
    reportingMta: 'mx.b.test',
    recipients: [
      {
        finalRecipient: 'someone@b.test',
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: '550 5.1.1 no such user here',
      },
      { finalRecipient: 'other@b.test', action: 'delayed', status: '4.4.1', diagnosticCode: null },
    ],
  });
});

test('text without a recipient block or a known action is not a report', () => {
  assert.equal(parseDeliveryStatus(''), null);
  assert.equal(parseDeliveryStatus('Reporting-MTA: dns; x'), null);
  assert.equal(parseDeliveryStatus('Reporting-MTA: dns; x\n\nAction: exploded\n'), null);
  assert.equal(parseDeliveryStatus('\n\n\n: :\n\n\t\n'), null);
  const huge = parseDeliveryStatus(`X: y\n\nAction: failed\nStatus: ${'5'.repeat(100_000)}\n`);
  assert.equal(huge?.recipients[0]?.status, null, 'a malformed status is left out');
});
