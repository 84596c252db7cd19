import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { newId } from '../../lib/ids.js';
import { BounceAddresses } from './bounce-address.js';

test('a bounce address names its delivery, and only this key makes a valid one', () => {
  const bounces = new BounceAddresses(randomBytes(32), ['A.test', 'other.test']);
  const id = newId();
  const address = bounces.forDelivery(id);
  assert.match(address, /^bounce\+[0-9a-f-]{36}\.[0-9a-f]{16}@a\.test$/);
  assert.deepEqual(bounces.check(address), { kind: 'valid', deliveryId: id });
  assert.deepEqual(bounces.check(address.toUpperCase()), { kind: 'valid', deliveryId: id });
  assert.deepEqual(
    bounces.check(address.replace('@a.test', '@other.test')),
    { kind: 'valid', deliveryId: id },
    'any local domain',
  );

  const stranger = new BounceAddresses(randomBytes(32), ['a.test']);
  assert.equal(bounces.check(stranger.forDelivery(id)).kind, 'forged');
  assert.equal(bounces.check(address.replace(id, newId())).kind, 'forged', 'another delivery');
  assert.equal(bounces.check('bounce+nonsense@a.test').kind, 'forged');
  assert.equal(bounces.check(`bounce+${id}.@a.test`).kind, 'forged');
  assert.equal(bounces.check('ann@a.test').kind, 'none');
  assert.equal(bounces.check(address.replace('@a.test', '@elsewhere.test')).kind, 'none');
  assert.equal(bounces.check('').kind, 'none');
});
