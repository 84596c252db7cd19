import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../core/delivery.js';
import { ChannelPool } from './channel-pool.js';
import { rateFor } from './rates.js';
import { route } from './router.js';

function resource(name: string, fields: Partial<Resource> = {}): Resource {
  return {
    id: name,
    name,
    type: 'webhook',
    messageTypes: ['*'],
    formats: [],
    status: 'A',
    statusReason: null,
    channels: 2,
    rates: [{ prefix: '*', priceMicros: 10 }],
    currency: 'EUR',
    config: {},
    hasSecret: false,
    consecutiveFailures: 0,
    createdAt: '',
    updatedAt: '',
    ...fields,
  };
}

test('rates: the longest matching prefix wins; numbers match with or without +', () => {
  const rates = [
    { prefix: '*', priceMicros: 100 },
    { prefix: '+49', priceMicros: 50 },
    { prefix: '4930', priceMicros: 20 },
    { prefix: 'sip:', priceMicros: 5 },
  ];
  assert.equal(rateFor(rates, 'tel:+4930123')?.priceMicros, 20);
  assert.equal(rateFor(rates, 'tel:+4989123')?.priceMicros, 50);
  assert.equal(rateFor(rates, 'tel:+33123')?.priceMicros, 100);
  assert.equal(rateFor(rates, 'sip:ann@example.com')?.priceMicros, 5);
  assert.equal(
    rateFor([{ prefix: '+49', priceMicros: 1 }], 'tel:+33123'),
    null,
    'no rate, no service',
  );
  assert.equal(
    rateFor([{ prefix: '+49', priceMicros: 1 }], 'mailto:a@b.de'),
    null,
    'digits never match a mail address',
  );
});

test('route: active, capable, free, cheapest; ties to the least loaded', () => {
  const busy = new Map<string, number>();
  const load = (r: Resource) => busy.get(r.id) ?? 0;
  const all = () => true;
  const d: { recipient: string; messageType: string; channel: string | null } = {
    recipient: 'tel:+4930123',
    messageType: 'voice',
    channel: null,
  };
  const cheap = resource('cheap', { rates: [{ prefix: '+49', priceMicros: 1 }] });
  const dear = resource('dear', { rates: [{ prefix: '+49', priceMicros: 9 }] });
  const pick = (rs: Resource[], delivery = d) => {
    const r = route(delivery, rs, load, all);
    return r.kind === 'route' ? r.resource.name : r.kind;
  };
  assert.equal(pick([dear, cheap]), 'cheap');
  assert.equal(pick([dear, { ...cheap, status: 'I' }]), 'dear', 'inactive is skipped');
  assert.equal(pick([dear, { ...cheap, messageTypes: ['fax'] }]), 'dear', 'must carry the type');
  assert.equal(pick([dear, cheap], { ...d, channel: 'sms' }), 'none', 'a required channel type');
  busy.set('cheap', 2);
  assert.equal(pick([dear, cheap]), 'dear', 'a full resource is passed over');
  busy.set('dear', 2);
  assert.equal(pick([dear, cheap]), 'busy', 'capable but all busy');
  busy.clear();
  const twinA = resource('twin-a', { channels: 4 });
  const twinB = resource('twin-b', { channels: 4 });
  busy.set('twin-a', 3);
  busy.set('twin-b', 1);
  assert.equal(
    pick([twinA, twinB], { ...d, recipient: 'tel:+1555' }),
    'twin-b',
    'equal price: the less loaded',
  );
  assert.equal(route(d, [], load, all).kind, 'none');
  assert.equal(
    route(d, [cheap], load, (t) => t !== 'webhook').kind,
    'none',
    'no implementation, no route',
  );
});

test('the busy-channel bitmap', () => {
  const pool = new ChannelPool(3);
  assert.equal(pool.take(), 0);
  assert.equal(pool.take(), 1);
  assert.equal(pool.bitmap(), '110');
  pool.give(0);
  assert.equal(pool.bitmap(), '010');
  assert.equal(pool.take(), 0);
  assert.equal(pool.take(), 2);
  assert.equal(pool.take(), null);
  assert.equal(pool.inUse, 3);
});
