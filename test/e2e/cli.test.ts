import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, runCli, ServerProcess } from './harness.js';

let server: ServerProcess;

const switchboard = (args: string[], env: Record<string, string> = {}) => runCli(server, args, env);

before(async () => {
  server = await ServerProcess.start();
});
after(() => server.dispose());

test('subscriber add, list, set, export, delete and send through the command', async () => {
  const added = await switchboard([
    'subscriber',
    'add',
    '--name',
    'Ann',
    '--address',
    'tel:+15550001',
    '--address',
    'mailto:ann@localhost',
    '--password',
    'Ann long password',
    '--pin',
    '4821',
    '--quota',
    '50m',
    '--json',
  ]);
  assert.equal(added.code, 0, added.stderr);
  const ann = JSON.parse(added.stdout);
  assert.deepEqual(ann.addresses, ['tel:+15550001', 'mailto:ann@localhost']);
  assert.equal(ann.quotaBytes, 50 * 1024 * 1024);
  assert.equal(ann.hasPin, true);
  const bob = await switchboard([
    'subscriber',
    'add',
    '--name',
    'Bob',
    '--address',
    'tel:+15550002',
    '--password',
    'Bob long password',
  ]);
  assert.match(bob.stdout, /^added .* Bob .*tel:\+15550002/);

  const listed = await switchboard(['subscriber', 'list']);
  assert.match(listed.stdout, /^ID\s+NAME\s+ADDRESSES/);
  assert.match(listed.stdout, /Ann\s+tel:\+15550001,mailto:ann@localhost/);

  const set = await switchboard([
    'subscriber',
    'set',
    'tel:+15550002',
    '--name',
    'Robert',
    '--quota',
    'unlimited',
    '--json',
  ]);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(JSON.parse(set.stdout).name, 'Robert');
  assert.equal(JSON.parse(set.stdout).quotaBytes, null);

  const file = join(mkdtempSync(join(tmpdir(), 'switchboard-cli-')), 'note.txt');
  writeFileSync(file, 'attached from the command line');
  const sent = await switchboard([
    'send',
    '--from',
    'tel:+15550001',
    '--to',
    'tel:+15550002',
    '--subject',
    'From the CLI',
    '--text',
    'hello Bob',
    '--attach',
    file,
  ]);
  assert.equal(sent.code, 0, sent.stderr);
  assert.match(sent.stdout, /^sent .*: 2 mailbox copies, 0 deliveries/);

  const session = await new Client(server.url).post('/api/v1/sessions', {
    address: 'tel:+15550002',
    password: 'Bob long password',
  });
  const inbox = await new Client(server.url, session.body.token).get('/api/v1/messages');
  assert.equal(inbox.body.messages[0].subject, 'From the CLI');
  assert.equal(inbox.body.messages[0].parts[1].filename, 'note.txt');

  const out = join(tmpdir(), `switchboard-export-${process.pid}.json`);
  const exported = await switchboard(['subscriber', 'export', 'tel:+15550002', '-o', out]);
  assert.match(exported.stdout, /wrote 1 messages/);
  const doc = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(doc.format, 'switchboard.mailbox/1');
  assert.equal(
    Buffer.from(doc.messages[0].parts[1].content, 'base64').toString(),
    'attached from the command line',
  );
  rmSync(out);

  const deleted = await switchboard(['subscriber', 'delete', 'tel:+15550002']);
  assert.equal(deleted.code, 0, deleted.stderr);
  const after = JSON.parse((await switchboard(['subscriber', 'list', '--json'])).stdout);
  assert.deepEqual(
    after.map((s: any) => s.name),
    ['Ann'],
  );
});

test('errors are one clear line and a non-zero exit', async () => {
  const wrongToken = await switchboard(['subscriber', 'list'], {
    SWITCHBOARD_ADMIN_TOKEN: 'not-the-right-token-at-all',
  });
  assert.equal(wrongToken.code, 2);
  assert.match(wrongToken.stderr, /^switchboard: 401 Authentication required/);
  const dup = await switchboard([
    'subscriber',
    'add',
    '--name',
    'Again',
    '--address',
    'tel:+15550001',
  ]);
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /409 Conflict: an address is already taken/);
  const nowhere = await switchboard(['subscriber', 'list', '--url', 'http://127.0.0.1:1']);
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.stderr, /cannot reach http:\/\/127.0.0.1:1/);
});

test('migrate brings a new data folder up to date, then has nothing to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-migrate-'));
  const first = await switchboard(['migrate', '--data-dir', dir]);
  assert.match(first.stdout, /^applied 001-initial/);
  const second = await switchboard(['migrate', '--data-dir', dir, '--json']);
  assert.deepEqual(JSON.parse(second.stdout), { applied: [] });
  rmSync(dir, { recursive: true });
});

test('a bad configuration value stops start with the reason', async () => {
  const bad = await switchboard(['start', '--http-port', 'eighty'], {
    SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bad-')),
  });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--httpPort: expected a whole number, got "eighty"/);
});
