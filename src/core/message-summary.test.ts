import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageSummary } from './message-summary.js';

test('RFC 3842 summary: new/old (urgent) per class, voice, fax and text always listed', () => {
  const body = messageSummary(
    [
      { type: 'voice', read: false, urgent: false, count: 2 },
      { type: 'voice', read: false, urgent: true, count: 1 },
      { type: 'ivm', read: true, urgent: false, count: 4 },
      { type: 'email', read: false, urgent: false, count: 1 },
      { type: 'sms', read: true, urgent: true, count: 1 },
    ],
    'sip:ann@a.test',
  );
  assert.equal(
    body,
    'Messages-Waiting: yes\r\nMessage-Account: sip:ann@a.test\r\nVoice-Message: 3/4 (1/0)\r\nFax-Message: 0/0 (0/0)\r\nText-Message: 1/1 (0/1)\r\n',
  );
  assert.match(messageSummary([], 'sip:ann@a.test'), /^Messages-Waiting: no\r\n/);
});
