import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { SmtpClient } from './smtp-client.js';

/**
 * SIGKILL in the middle of a burst of SMTP mail: 250 is only answered after the commit, so
 * after a restart on the same data folder every message that got 250 is there, and none is
 * there twice. A message that got no answer may or may not be there.
 */

let server: ServerProcess;
before(async () => {
  server = await ServerProcess.start({ SWITCHBOARD_DOMAINS: 'example.test' });
});
after(() => server.dispose());

async function allSubjects(client: Client): Promise<string[]> {
  const subjects: string[] = [];
  let before = '';
  for (;;) {
    const page = await client.get(`/api/v1/messages?folder=inbox&limit=500${before}`);
    assert.equal(page.status, 200);
    subjects.push(...page.body.messages.map((m: any) => m.subject));
    if (!page.body.next) return subjects;
    before = `&before=${page.body.next}`;
  }
}

/** A mail with a unique subject; every third one with an attachment big enough for a blob file. */
function mail(subject: string, i: number): string {
  const head = `From: carol@elsewhere.test\r\nTo: bob@example.test\r\nSubject: ${subject}\r\n`;
  if (i % 3 !== 0) return `${head}\r\nbody of ${subject}\r\n`;
  const attachment = Buffer.alloc(20_000, i).toString('base64').replace(/.{76}/g, '$&\r\n');
  return (
    `${head}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n` +
    `--b\r\nContent-Type: text/plain\r\n\r\nbody of ${subject}\r\n` +
    `--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n` +
    `Content-Disposition: attachment; filename="a.bin"\r\n\r\n${attachment}\r\n--b--\r\n`
  );
}

test('SIGKILL during concurrent SMTP sending: every 250 is stored after restart, nothing twice', async () => {
  await subscriberClient(server, {
    name: 'Bob',
    addresses: ['mailto:bob@example.test'],
    password: 'Bob long password',
    quotaBytes: null,
  });
  const acknowledged = new Set<string>();
  const unanswered = new Set<string>();
  const sender = async (worker: number) => {
    const { client, greeting } = await SmtpClient.open(server.smtpPort);
    assert.equal(greeting.code, 220);
    await client.command('EHLO client.test');
    for (let i = 0; ; i++) {
      const subject = `w${worker}-m${i}`;
      const reply = await client.send(
        'carol@elsewhere.test',
        ['bob@example.test'],
        mail(subject, i),
      );
      if (reply.code === 250) acknowledged.add(subject);
      else if (reply.code === 0) {
        unanswered.add(subject);
        return; // the server died under this message
      } else assert.fail(`${subject}: ${reply.code} ${reply.text}`);
    }
  };
  const workers = Array.from({ length: 8 }, (_, w) => sender(w));
  while (acknowledged.size < 200) await new Promise((r) => setTimeout(r, 5));
  await server.stop('SIGKILL');
  await Promise.all(workers);
  assert.ok(unanswered.size > 0, 'the kill cut off messages in flight');

  await server.start();
  const session = await new Client(server.url).post('/api/v1/sessions', {
    address: 'mailto:bob@example.test',
    password: 'Bob long password',
  });
  const bob = new Client(server.url, session.body.token);
  const inbox = await allSubjects(bob);
  for (const subject of acknowledged)
    assert.equal(inbox.filter((s) => s === subject).length, 1, `${subject} is stored once`);
  assert.equal(new Set(inbox).size, inbox.length, 'no message twice');
  for (const subject of inbox)
    assert.ok(
      acknowledged.has(subject) || unanswered.has(subject),
      `${subject} was sent and answered 250, or cut off`,
    );
  // Stored mail is whole after the crash: its parts read back at their recorded sizes.
  const page = await bob.get('/api/v1/messages?limit=30');
  for (const m of page.body.messages)
    for (const p of m.parts) {
      const part = await bob.get(`/api/v1/messages/${m.id}/parts/${p.index}`);
      assert.equal(part.status, 200);
      assert.equal(part.body.length, p.size);
    }
  // And the restarted server takes mail again.
  const { client } = await SmtpClient.open(server.smtpPort);
  await client.command('EHLO client.test');
  const after = await client.send('carol@elsewhere.test', ['bob@example.test'], mail('after', 1));
  assert.equal(after.code, 250, after.text);
  await client.quit();
});
