import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './load.js';

test('defaults, then the file, then the environment, then flags', () => {
  assert.equal(loadConfig({}).httpPort, 8080);
  assert.equal(loadConfig({}).dataDir, './data');
  const file = join(mkdtempSync(join(tmpdir(), 'sb-config-')), 'config.json');
  writeFileSync(file, JSON.stringify({ httpPort: 9000, domains: ['a.test'] }));
  assert.equal(loadConfig({ SWITCHBOARD_CONFIG_FILE: file }).httpPort, 9000);
  assert.equal(
    loadConfig({ SWITCHBOARD_CONFIG_FILE: file, SWITCHBOARD_HTTP_PORT: '9100' }).httpPort,
    9100,
  );
  assert.equal(
    loadConfig(
      { SWITCHBOARD_CONFIG_FILE: file, SWITCHBOARD_HTTP_PORT: '9100' },
      { httpPort: '9200' },
    ).httpPort,
    9200,
  );
  assert.deepEqual(loadConfig({ SWITCHBOARD_CONFIG_FILE: file }).domains, ['a.test']);
});

test('sizes, lists and booleans parse; nonsense is refused with the variable named', () => {
  const c = loadConfig({
    SWITCHBOARD_MAX_MESSAGE_BYTES: '10m',
    SWITCHBOARD_DOMAINS: 'A.test, b.test',
    SWITCHBOARD_DYNAMIC_MAILBOXES: 'yes',
  });
  assert.equal(c.maxMessageBytes, 10 * 1024 * 1024);
  assert.deepEqual(c.domains, ['a.test', 'b.test']);
  assert.equal(c.dynamicMailboxes, true);
  assert.throws(
    () => loadConfig({ SWITCHBOARD_HTTP_PORT: 'eighty' }),
    (e: unknown) => e instanceof ConfigError && /SWITCHBOARD_HTTP_PORT/.test(e.message),
  );
  assert.throws(() => loadConfig({ SWITCHBOARD_NUMBER_RANGES: '555' }), /E.164 prefix/);
  assert.throws(() => loadConfig({ SWITCHBOARD_ADMIN_TOKEN: 'short' }), /at least 16/);
  assert.throws(() => loadConfig({ SWITCHBOARD_TLS_CERT: '/x.pem' }), /set together/);
});

test('DNS servers are addresses with an optional port; the DKIM selector and key go together', () => {
  assert.deepEqual(
    loadConfig({ SWITCHBOARD_DNS_SERVERS: '192.0.2.53, 127.0.0.1:5353,[2001:db8::53]:53,::1' })
      .dnsServers,
    ['192.0.2.53', '127.0.0.1:5353', '[2001:db8::53]:53', '::1'],
  );
  assert.deepEqual(loadConfig({}).dnsServers, []);
  for (const bad of ['dns.example', '192.0.2.53:', '1.2.3:53', '[nope]:53'])
    assert.throws(
      () => loadConfig({ SWITCHBOARD_DNS_SERVERS: bad }),
      /SWITCHBOARD_DNS_SERVERS/,
      bad,
    );
  assert.throws(() => loadConfig({ SWITCHBOARD_DKIM_SELECTOR: 's1' }), /set together/);
  assert.equal(
    loadConfig({ SWITCHBOARD_DKIM_SELECTOR: 's1', SWITCHBOARD_DKIM_KEY_FILE: '/k.pem' })
      .dkimSelector,
    's1',
  );
});
