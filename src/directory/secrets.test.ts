import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { hashSecret, verifySecret } from './passwords.js';
import { sipHa1 } from './sip-digest.js';

test('passwords are stored as scrypt hashes that verify only the right secret', async () => {
  const stored = await hashSecret('correct horse battery');
  assert.match(stored, /^scrypt\$/);
  assert.ok(!stored.includes('correct horse'));
  assert.notEqual(await hashSecret('correct horse battery'), stored, 'salted');
  assert.equal(await verifySecret('correct horse battery', stored), true);
  assert.equal(await verifySecret('correct horse batterY', stored), false);
  assert.equal(await verifySecret('x', 'garbage'), false, 'a malformed hash verifies nothing');
});

test('SIP digest HA1 follows RFC 2617 (MD5) and RFC 8760 (SHA-256)', () => {
  const expectMd5 = createHash('md5').update('ann:example.com:s3cret').digest('hex');
  const expectSha = createHash('sha256').update('ann:example.com:s3cret').digest('hex');
  assert.equal(sipHa1('md5', 'ann', 'example.com', 's3cret'), expectMd5);
  assert.equal(sipHa1('sha256', 'ann', 'example.com', 's3cret'), expectSha);
  // RFC 2617 section 3.5 example: Mufasa / testrealm@host.com / Circle Of Life.
  assert.equal(
    sipHa1('md5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life'),
    '939e7578ed9e3c518a452acee763bce9',
  );
});
