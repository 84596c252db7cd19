import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSwitchboardError } from './errors.js';
import { normaliseAddress, parseAddress } from './address.js';

test('addresses normalise to one URI per endpoint', () => {
  assert.equal(normaliseAddress('+1 (555) 123-4567'), 'tel:+15551234567');
  assert.equal(normaliseAddress('tel:+1-555-123-4567'), 'tel:+15551234567');
  // Local parts too: nearly every mail system treats them case-insensitively, and one mailbox must not become two.
  assert.equal(normaliseAddress('Ann@Example.COM'), 'mailto:ann@example.com');
  assert.equal(normaliseAddress('mailto:ann@example.com'), 'mailto:ann@example.com');
  assert.equal(normaliseAddress('sip:ann@Example.com'), 'sip:ann@example.com');
  assert.equal(normaliseAddress('ivm:ann@example.com'), 'ivm:ann@example.com');
  assert.equal(parseAddress('sip:ann@example.com').domain, 'example.com');
  assert.equal(parseAddress('tel:+15551234567').scheme, 'tel');
});

test('anything else is refused as invalid', () => {
  for (const bad of [
    '',
    'tel:12345',
    'tel:+',
    'gopher://x',
    'mailto:nobody',
    'mailto:a@b..c',
    'x'.repeat(400),
    'sip:',
  ]) {
    assert.throws(
      () => parseAddress(bad),
      (err: unknown) => isSwitchboardError(err) && err.kind === 'invalid',
      bad,
    );
  }
});
