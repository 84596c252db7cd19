import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, ServerProcess, subscriberClient } from './harness.js';

let server: ServerProcess;
before(async () => {
  server = await ServerProcess.start();
});
after(() => server.dispose());

async function allSubjects(client: Client, folder: string): Promise<string[]> {
  const subjects: string[] = [];
  let before = '';
  for (;;) {
    const page = await client.get(`/api/v1/messages?folder=${folder}&limit=500${before}`);
    assert.equal(page.status, 200);
    subjects.push(...page.body.messages.map((m: any) => m.subject));
    if (!page.body.next) return subjects;
    before = `&before=${page.body.next}`;
  }
}

test('SIGKILL while clients post: after restart every acknowledged message is there, once', async () => {
  const ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['tel:+15550001'],
    quotaBytes: null,
  });
  await subscriberClient(server, {
    name: 'Bob',
    addresses: ['tel:+15550002'],
    password: 'Bob long password',
    quotaBytes: null,
  });
  const acknowledged = new Set<string>();
  let attempted = 0;
  let stop = false;
  const poster = async (worker: number) => {
    for (let i = 0; !stop; i++) {
      const subject = `w${worker}-m${i}`;
      attempted++;
      try {
        // Some with an attachment large enough for a blob file, so files and rows must agree.
        const attachments =
          i % 3 === 0
            ? [
                {
                  filename: 'a.bin',
                  contentType: 'application/octet-stream',
                  content: Buffer.alloc(20_000, i).toString('base64'),
                },
              ]
            : undefined;
        const res = await ann.client.post('/api/v1/messages', {
          to: ['tel:+15550002'],
          subject,
          text: `body of ${subject}`,
          attachments,
        });
        if (res.status === 201) acknowledged.add(subject);
      } catch {
        return; // the connection died with the server
      }
    }
  };
  const workers = Array.from({ length: 8 }, (_, w) => poster(w));
  while (acknowledged.size < 150) await new Promise((r) => setTimeout(r, 10));
  await server.stop('SIGKILL');
  stop = true;
  await Promise.all(workers);
  assert.ok(attempted > acknowledged.size, 'the kill interrupted requests in flight');

  await server.start();
  const session = await new Client(server.url).post('/api/v1/sessions', {
    address: 'tel:+15550002',
    password: 'Bob long password',
  });
  const bobAfter = new Client(server.url, session.body.token);
  const annAfter = new Client(server.url, ann.client.token);
  const inbox = await allSubjects(bobAfter, 'inbox');
  const sent = await allSubjects(annAfter, 'sent');
  for (const subject of acknowledged) {
    assert.equal(inbox.filter((s) => s === subject).length, 1, `${subject} is in B's inbox once`);
    assert.equal(
      sent.filter((s) => s === subject).length,
      1,
      `${subject} is in A's sent folder once`,
    );
  }
  assert.equal(new Set(inbox).size, inbox.length, 'no message twice');
  assert.deepEqual(
    new Set(inbox),
    new Set(sent),
    'both copies of a message were committed together, or neither',
  );
  for (const subject of inbox.slice(0, 20)) assert.match(subject, /^w\d-m\d+$/);
  // Every stored message can be read in full after the crash.
  const page = await bobAfter.get('/api/v1/messages?limit=50');
  for (const m of page.body.messages) {
    for (const p of m.parts) {
      const part = await bobAfter.get(`/api/v1/messages/${m.id}/parts/${p.index}`);
      assert.equal(part.status, 200);
      assert.equal(part.body.length, p.size);
    }
  }
});
