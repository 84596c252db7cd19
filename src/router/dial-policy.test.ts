import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DialPolicy, type DialPolicyOptions } from './dial-policy.js';

const BASE: DialPolicyOptions = {
  allowedPrefixes: ['+1555', '+4930'],
  prefixesFromNumberRanges: false,
  ownDomains: ['a.test'],
  allowedDomains: ['partner.test'],
  globalLimitMicros: null,
  currency: 'EUR',
  callResourceType: 'voice',
};

/** CDR figures as the store would give them: per subscriber, per resource type, limits. */
function spend(p: { ann?: number; all?: number; annLimit?: number | null }) {
  return {
    spentSince: async (id: string) => new Map(id === 'ann' ? [['EUR', p.ann ?? 0]] : []),
    spendLimit: async (id: string) => (id === 'ann' ? (p.annLimit ?? null) : null),
    spentOnTypeSince: async (type: string) =>
      new Map(type === 'voice' ? [['EUR', p.all ?? 0]] : []),
  };
}

test('numbers: only allowed prefixes; the refusal names the number and the setting', () => {
  const policy = new DialPolicy(BASE, null);
  assert.equal(policy.destinationRefusal('tel:+4930123456'), null);
  assert.equal(policy.destinationRefusal('tel:+15550001'), null);
  assert.equal(
    policy.destinationRefusal('tel:+442071234567'),
    '+442071234567 is not an allowed destination (SWITCHBOARD_DIAL_ALLOWED_PREFIXES)',
  );
  assert.match(policy.destinationRefusal('tel:+493')!, /not an allowed/, 'shorter than a prefix');
  const local = new DialPolicy(
    { ...BASE, allowedPrefixes: ['+1555'], prefixesFromNumberRanges: true },
    null,
  );
  assert.match(
    local.destinationRefusal('tel:+4930123')!,
    /SWITCHBOARD_DIAL_ALLOWED_PREFIXES is unset, so only SWITCHBOARD_NUMBER_RANGES/,
  );
  const none = new DialPolicy({ ...BASE, allowedPrefixes: [] }, null);
  assert.ok(none.destinationRefusal('tel:+15550001'), 'no prefixes: no numbers');
  const all = new DialPolicy({ ...BASE, allowedPrefixes: ['+'] }, null);
  assert.equal(all.destinationRefusal('tel:+442071234567'), null, '+ allows every number');
});

test('SIP URIs: our domains and allowed ones; a number as the user part is checked as a number', () => {
  const policy = new DialPolicy(BASE, null);
  assert.equal(policy.destinationRefusal('sip:reception@a.test'), null);
  assert.equal(policy.destinationRefusal('sip:bob@partner.test:5070;transport=udp'), null);
  assert.equal(
    policy.destinationRefusal('sip:bob@evil.test'),
    'evil.test is not an allowed destination domain (SWITCHBOARD_DIAL_ALLOWED_DOMAINS)',
  );
  assert.match(policy.destinationRefusal('sip:+442071234567@a.test')!, /\+442071234567 is not/);
  assert.match(
    policy.destinationRefusal('sip:00442071234567@a.test')!,
    /not an allowed destination/,
    'a long digit string dials out all the same',
  );
  assert.equal(policy.destinationRefusal('sip:+4930123@a.test;user=phone'), null);
  assert.equal(policy.destinationRefusal('sip:100@a.test'), null, 'an extension is a name');
  assert.match(policy.destinationRefusal('mailto:ann@a.test')!, /only tel: numbers and sip:/);
});

test('spend: the payer’s limit and the global one, counted at the rate times the expected seconds', async () => {
  const call = {
    destination: 'tel:+4930123',
    subscriberId: 'ann',
    rate: { prefix: '+49', priceMicros: 10_000 },
    currency: 'EUR',
    expectedUnits: 30,
  };
  // Ann's limit 1.00: 0.75 spent, this call 30 s * 0.01 = 0.30 would pass it.
  const own = new DialPolicy(BASE, spend({ ann: 750_000, annLimit: 1_000_000 }));
  assert.match((await own.refusal(call))!, /spend limit reached: 0.75 EUR spent.*costs 0.3/);
  assert.equal(await own.refusal({ ...call, expectedUnits: 20 }), null);
  assert.equal(
    await own.refusal({ ...call, rate: { prefix: '*', priceMicros: 0 } }),
    null,
    'a free destination is never refused for spend',
  );
  const global = new DialPolicy(
    { ...BASE, globalLimitMicros: 5_000_000 },
    spend({ all: 4_800_000 }),
  );
  assert.match(
    (await global.refusal(call))!,
    /monthly limit for calls out is reached \(SWITCHBOARD_DIAL_GLOBAL_SPEND_LIMIT\): 4.8 EUR spent/,
  );
  assert.equal(await global.refusal({ ...call, expectedUnits: 10 }), null);
  assert.match(
    (await global.refusal({ ...call, currency: 'USD', expectedUnits: 1 }))!,
    /priced in USD but .* counts EUR/,
  );
  assert.match(
    (await global.refusal({ ...call, destination: 'tel:+4420' }))!,
    /not an allowed destination/,
    'the destination is checked before any spend',
  );
});
