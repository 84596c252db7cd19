import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestDnsServer } from '../../../test/e2e/dns-server.js';
import { MxResolver } from './mx-resolver.js';

let dns: TestDnsServer;
let mx: MxResolver;

before(async () => {
  dns = await TestDnsServer.start({
    'b.test': {
      MX: [
        { preference: 20, exchange: 'backup.b.test' },
        { preference: 10, exchange: 'mx.b.test' },
      ],
    },
    'mx.b.test': { A: ['192.0.2.1', '192.0.2.2'], AAAA: ['2001:db8::1'] },
    'backup.b.test': { A: ['192.0.2.9'] },
    'plain.test': { A: ['192.0.2.20'] },
    'null.test': { MX: [{ preference: 0, exchange: '.' }] },
    'void.test': { TXT: ['nothing here'] },
    'dangling.test': { MX: [{ preference: 10, exchange: 'gone.dangling.test' }] },
  });
  mx = new MxResolver({ servers: [dns.address], timeoutMs: 1000 });
});
after(() => dns.close());

test('MX hosts in preference order, each with its IPv4 then IPv6 addresses', async () => {
  assert.deepEqual(await mx.route('b.test'), {
    kind: 'targets',
    targets: [
      { host: 'mx.b.test', address: '192.0.2.1' },
      { host: 'mx.b.test', address: '192.0.2.2' },
      { host: 'mx.b.test', address: '2001:db8::1' },
      { host: 'backup.b.test', address: '192.0.2.9' },
    ],
  });
  const capped = new MxResolver({ servers: [dns.address], maxTargets: 2 });
  assert.equal(((await capped.route('b.test')) as { targets: unknown[] }).targets.length, 2);
});

test('no MX falls back to the domain address; null MX and missing domains fail for good', async () => {
  assert.deepEqual(await mx.route('plain.test'), {
    kind: 'targets',
    targets: [{ host: 'plain.test', address: '192.0.2.20' }],
  });
  assert.match(((await mx.route('null.test')) as { error: string }).error, /null MX/);
  assert.equal((await mx.route('null.test')).kind, 'failed');
  assert.equal((await mx.route('nowhere.test')).kind, 'failed');
  assert.equal((await mx.route('void.test')).kind, 'failed', 'no MX and no address');
  assert.equal((await mx.route('dangling.test')).kind, 'failed');
});

test('a DNS server that does not answer means try again later', async () => {
  const silent = await TestDnsServer.start({});
  const address = silent.address;
  await silent.close();
  const lost = new MxResolver({ servers: [address], timeoutMs: 200 });
  assert.equal((await lost.route('b.test')).kind, 'retry');
});
