import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faxRecipient, isFaxDomain } from './fax-address.js';

test('fax addresses of local domains give a tel: URI', () => {
  const domains = ['a.test', 'B.test'];
  assert.equal(faxRecipient('+49 30 1234567@fax.a.test', domains), 'tel:+49301234567');
  assert.equal(faxRecipient('1-555-0100@FAX.b.test', domains), 'tel:+15550100');
  assert.equal(faxRecipient('15550100@fax.elsewhere.test', domains), null);
  assert.equal(faxRecipient('15550100@a.test', domains), null);
  assert.equal(faxRecipient('sales@fax.a.test', domains), null);
  assert.equal(faxRecipient('1234567890123456@fax.a.test', domains), null, 'over 15 digits');
  assert.ok(isFaxDomain('sales@fax.a.test', domains));
  assert.ok(!isFaxDomain('sales@a.test', domains));
});
