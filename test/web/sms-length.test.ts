import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planSms } from '../../src/channels/sms/protocol/segments.js';
import { smsLength } from '../../web/src/sms-length.js';

/** The web app's counter mirrors the server's planner: it must agree on coding and part count. */
test('the SMS counter in the web app agrees with the server on coding and parts', () => {
  const texts = [
    '',
    'Hello',
    'a'.repeat(160),
    'a'.repeat(161),
    'a'.repeat(306),
    'a'.repeat(307),
    '€'.repeat(80),
    `${'a'.repeat(152)}€`,
    `${'a'.repeat(159)}€`,
    'Grüße aus Köln, Straße 5',
    'Привет, как дела?',
    'α'.repeat(70),
    'α'.repeat(71),
    '😀'.repeat(35),
    '😀'.repeat(36),
    `${'x'.repeat(66)}😀${'y'.repeat(70)}`,
    'Bring {the} [plans] ~ | ^ \\',
  ];
  for (const text of texts) {
    const plan = planSms(text, 7);
    const length = smsLength(text);
    assert.equal(length.encoding, plan.dataCoding === 0 ? 'gsm' : 'ucs2', JSON.stringify(text));
    assert.equal(length.parts, plan.parts.length, `parts of ${JSON.stringify(text)}`);
  }
});
