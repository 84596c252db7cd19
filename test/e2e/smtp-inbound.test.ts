import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { swaks as sendWithSwaks } from './swaks.js';

const run = promisify(execFile);
let server: ServerProcess;
let bob: { client: Client; id: string };
const dir = mkdtempSync(join(tmpdir(), 'switchboard-smtp-'));

/** swaks against this test's server, the SMTP port unless told otherwise. */
const swaks = (args: string[], port = server.smtpPort) => sendWithSwaks(port, args);

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'example.test',
    SWITCHBOARD_MAX_MESSAGE_BYTES: '200k',
  });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['mailto:bob@example.test'] });
});
after(() => server.dispose());

test('mail from a real SMTP client lands in the mailbox with its body and attachment', async () => {
  const attachment = randomBytes(20_000);
  const file = join(dir, 'plan.bin');
  writeFileSync(file, attachment);
  const sent = await swaks([
    '--from',
    'carol@elsewhere.test',
    '--to',
    'bob@example.test',
    '--header',
    'Subject: Harbour plans',
    '--body',
    'The drawings are attached.',
    '--attach-type',
    'application/octet-stream',
    '--attach-name',
    'plan.bin',
    '--attach',
    `@${file}`,
  ]);
  assert.equal(sent.code, 0, sent.out);
  assert.match(sent.out, /<- {2}250 .*Message stored/);
  const inbox = (await bob.client.get('/api/v1/messages?folder=inbox')).body.messages;
  const mail = inbox.find((m: any) => m.subject === 'Harbour plans');
  assert.ok(mail, 'the mail is in the inbox');
  assert.equal(mail.type, 'email');
  assert.equal(mail.from, 'mailto:carol@elsewhere.test');
  assert.equal(
    (await bob.client.get(`/api/v1/messages/${mail.id}/parts/1`)).body.toString().trim(),
    'The drawings are attached.',
  );
  const part = mail.parts.find((p: any) => p.filename === 'plan.bin');
  assert.ok(
    (await bob.client.get(`/api/v1/messages/${mail.id}/parts/${part.index}`)).body.equals(
      attachment,
    ),
    'identical bytes',
  );
});

test('an audio attachment makes it a voice message', async () => {
  const wav = join(dir, 'hello.wav');
  await run('espeak-ng', ['-w', wav, 'hello']);
  const sent = await swaks([
    '--from',
    'carol@elsewhere.test',
    '--to',
    'bob@example.test',
    '--header',
    'Subject: Voice',
    '--attach-type',
    'audio/wav',
    '--attach',
    `@${wav}`,
  ]);
  assert.equal(sent.code, 0, sent.out);
  const inbox = (await bob.client.get('/api/v1/messages?folder=inbox')).body.messages;
  assert.equal(inbox.find((m: any) => m.subject === 'Voice').type, 'voice');
});

test('unknown mailboxes and relaying are refused at RCPT; oversize at DATA; nothing is stored', async () => {
  const before = (await bob.client.get('/api/v1/messages?limit=500')).body.messages.length;
  const unknown = await swaks(['--from', 'carol@elsewhere.test', '--to', 'nobody@example.test']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.out, /<\*\* 550 5\.1\.1 there is no mailbox mailto:nobody@example\.test/);
  const relay = await swaks(['--from', 'carol@elsewhere.test', '--to', 'dave@another.test']);
  assert.notEqual(relay.code, 0);
  assert.match(relay.out, /<\*\* 550 5\.7\.1 relaying to dave@another\.test is not allowed/);
  const big = join(dir, 'big.bin');
  writeFileSync(big, randomBytes(300_000));
  const oversize = await swaks([
    '--from',
    'carol@elsewhere.test',
    '--to',
    'bob@example.test',
    '--attach',
    `@${big}`,
  ]);
  assert.notEqual(oversize.code, 0);
  assert.match(oversize.out, /<\*\* 552/);
  assert.equal((await bob.client.get('/api/v1/messages?limit=500')).body.messages.length, before);
});

test('a full mailbox answers 452 so the sender retries later', async () => {
  const tiny = await subscriberClient(server, {
    name: 'Tiny',
    addresses: ['mailto:tiny@example.test'],
    quotaBytes: 100,
  });
  const sent = await swaks([
    '--from',
    'carol@elsewhere.test',
    '--to',
    'tiny@example.test',
    '--body',
    'x'.repeat(500),
  ]);
  assert.notEqual(sent.code, 0);
  assert.match(sent.out, /<\*\* 452 4\.2\.2 the mailbox of mailto:tiny@example\.test is full/);
  assert.equal((await tiny.client.get('/api/v1/messages')).body.messages.length, 0);
});

test('submission: AUTH after STARTTLS, then mail to anyone; outside recipients become deliveries', async () => {
  const port = server.submissionPort;
  const auth = [
    '--tls',
    '--auth',
    'PLAIN',
    '--auth-user',
    'bob@example.test',
    '--auth-password',
    'Bob long password',
  ];
  const sent = await swaks(
    [
      ...auth,
      '--from',
      'bob@example.test',
      '--to',
      'dave@another.test',
      '--header',
      'Subject: Outbound',
      '--body',
      'hello outside',
    ],
    port,
  );
  assert.equal(sent.code, 0, sent.out);
  assert.match(sent.out, /<~ {2}250 .*Message stored/, 'over TLS swaks marks replies with <~');
  const outgoing = (await bob.client.get('/api/v1/deliveries')).body.deliveries;
  assert.ok(
    outgoing.some((d: any) => d.recipient === 'mailto:dave@another.test'),
    'a delivery for the queue',
  );
  const sentFolder = (await bob.client.get('/api/v1/messages?folder=sent')).body.messages;
  assert.ok(sentFolder.some((m: any) => m.subject === 'Outbound'));

  const anonymous = await swaks(
    ['--tls', '--from', 'bob@example.test', '--to', 'dave@another.test'],
    port,
  );
  assert.notEqual(anonymous.code, 0);
  assert.match(anonymous.out, /<~\* 530 .*authentication Required/i);
  const wrong = await swaks(
    [
      '--tls',
      '--auth',
      'PLAIN',
      '--auth-user',
      'bob@example.test',
      '--auth-password',
      'guess',
      '--from',
      'bob@example.test',
      '--to',
      'dave@another.test',
    ],
    port,
  );
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.out, /535 5\.7\.8 wrong user name or password/);
  const clear = await swaks(
    [
      '--auth',
      'PLAIN',
      '--auth-user',
      'bob@example.test',
      '--auth-password',
      'Bob long password',
      '--to',
      'dave@another.test',
    ],
    port,
  );
  assert.notEqual(clear.code, 0, 'no AUTH in clear text');
  assert.match(clear.out, /538 .*STARTTLS/);
});
