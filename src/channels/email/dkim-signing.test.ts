import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dkimOptions } from './dkim-signing.js';

test('mail from a local domain is signed for that domain; other mail is not', () => {
  const local = { selector: 's1', privateKey: 'PEM', domains: ['a.test', 'b.test'] };
  assert.deepEqual(dkimOptions('ann@B.test', local, undefined), {
    domainName: 'b.test',
    keySelector: 's1',
    privateKey: 'PEM',
  });
  assert.equal(dkimOptions('eve@elsewhere.test', local, undefined), undefined);
  assert.equal(dkimOptions('ann@a.test', null, undefined), undefined, 'no key configured');
  assert.equal(dkimOptions(null, local, undefined), undefined);
  const override = { domainName: 'relay.test', keySelector: 'r', privateKey: 'OTHER' };
  assert.deepEqual(dkimOptions('eve@elsewhere.test', local, override), override);
});
