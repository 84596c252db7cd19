import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { SmtpClient } from './smtp-client.js';

/** Connections per client address and commands before DATA, on both SMTP ports. */

let server: ServerProcess;
let bob: { client: Client; id: string };
const MAIL = 'From: carol@elsewhere.test\r\nTo: bob@example.test\r\nSubject: ';

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'example.test',
    SWITCHBOARD_SMTP_MAX_CONNECTIONS_PER_IP: '3',
    SWITCHBOARD_SMTP_MAX_COMMANDS_BEFORE_DATA: '10',
  });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['mailto:bob@example.test'] });
});
after(() => server.dispose());

async function subjects(): Promise<string[]> {
  const page = await bob.client.get('/api/v1/messages?limit=500');
  return page.body.messages.map((m: any) => m.subject);
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the connection past the per-address limit gets 421 4.7.0; the others keep working', async () => {
  const held = await Promise.all([1, 2, 3].map(() => SmtpClient.open(server.smtpPort)));
  for (const { greeting } of held) assert.equal(greeting.code, 220);
  const extra = await SmtpClient.open(server.smtpPort);
  assert.equal(extra.greeting.code, 421);
  assert.match(
    extra.greeting.text,
    /^4\.7\.0 too many connections from 127\.0\.0\.1; the limit is 3/,
  );
  await extra.client.whenClosed();

  const first = held[0]!.client;
  await first.command('EHLO client.test');
  const sent = await first.send(
    'carol@elsewhere.test',
    ['bob@example.test'],
    `${MAIL}held\r\n\r\nhi`,
  );
  assert.equal(sent.code, 250, sent.text);
  assert.ok((await subjects()).includes('held'));

  // A slot comes back when a client leaves, also without QUIT.
  await held[1]!.client.quit();
  held[2]!.client.destroy();
  await eventually(async () => {
    const again = await SmtpClient.open(server.smtpPort);
    again.client.destroy();
    return again.greeting.code === 220;
  }, 'a free slot');
  await first.quit();
  await eventually(
    async () => /SMTP connection refused: too many from one address/.test(server.output),
    'the refusal in the log',
  );
});

test('the submission port has its own per-address limit', async () => {
  const held = await Promise.all([1, 2, 3].map(() => SmtpClient.open(server.submissionPort)));
  for (const { greeting } of held) assert.equal(greeting.code, 220);
  const extra = await SmtpClient.open(server.submissionPort);
  assert.equal(extra.greeting.code, 421);
  assert.match(extra.greeting.text, /^4\.7\.0 too many connections/);
  for (const { client } of held) client.destroy();
});

test('RCPT probing past the command limit is cut off with 421 4.7.0', async () => {
  await eventually(async () => {
    const probe = await SmtpClient.open(server.smtpPort);
    probe.client.destroy();
    return probe.greeting.code === 220;
  }, 'the slots of the last test to be free');
  const { client } = await SmtpClient.open(server.smtpPort);
  await client.command('EHLO client.test');
  assert.equal((await client.command('MAIL FROM:<carol@elsewhere.test>')).code, 250);
  for (let i = 0; i < 9; i++) {
    const rcpt = await client.command(`RCPT TO:<guess${i}@example.test>`);
    assert.equal(rcpt.code, 550, `command ${i + 2} is still answered: ${rcpt.text}`);
  }
  const cut = await client.command('RCPT TO:<guess9@example.test>');
  assert.equal(cut.code, 421);
  assert.match(
    cut.text,
    /^4\.7\.0 too many MAIL and RCPT commands without a message; the limit is 10/,
  );
  await client.whenClosed();
  assert.equal((await client.command('NOOP')).code, 0, 'the connection is gone');
  // The log line travels through the child's stdout pipe: it may come a moment after the 421.
  await eventually(
    async () => /too many commands before DATA/.test(server.output),
    'the refusal in the log',
  );
});

test('each DATA starts the count again: many messages on one connection are fine', async () => {
  const { client } = await SmtpClient.open(server.smtpPort);
  await client.command('EHLO client.test');
  // 5 messages of MAIL + 3 RCPT: 20 commands in all, never more than 4 before a DATA.
  for (let i = 0; i < 5; i++) {
    const reply = await client.send(
      'carol@elsewhere.test',
      ['bob@example.test', 'bob@example.test', 'bob@example.test'],
      `${MAIL}batch ${i}\r\n\r\nbody ${i}`,
    );
    assert.equal(reply.code, 250, reply.text);
  }
  await client.quit();
  const stored = await subjects();
  for (let i = 0; i < 5; i++) assert.ok(stored.includes(`batch ${i}`));
});
