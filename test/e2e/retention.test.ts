import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';

/**
 * Retention: a message past its expiry is purged by the server's sweep (here every second), out
 * of the mailbox and its quota, while one without an expiry stays.
 */
let server: ServerProcess;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_RETENTION_SWEEP_SECONDS: '1',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  ann = await subscriberClient(server, { name: 'Ann', addresses: ['tel:+15550001'] });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['tel:+15550002'] });
});

after(async () => {
  await server?.dispose();
});

test('a message past its expiry is purged; one without stays', async () => {
  const send = async (subject: string, expiresAt?: string) => {
    const sent = await bob.client.post('/api/v1/messages', {
      to: ['tel:+15550001'],
      subject,
      text: `${subject}: the crane arrives on Tuesday.`,
      ...(expiresAt ? { expiresAt } : {}),
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    return sent.body.copies.find((c: any) => c.address === 'tel:+15550001').messageId as string;
  };
  const ending = await send('Short-lived', new Date(Date.now() + 3000).toISOString());
  const staying = await send('Kept');
  assert.equal((await ann.client.get(`/api/v1/messages/${ending}`)).status, 200);
  await eventually(
    async () => (await ann.client.get(`/api/v1/messages/${ending}`)).status === 404 || undefined,
    'the expired message to be purged',
    15_000,
  );
  assert.equal((await ann.client.get(`/api/v1/messages/${staying}`)).status, 200);
  // Ann's copy and Bob's in his sent folder: both carried the expiry.
  assert.match(server.output, /"purged":2[^\n]*messages past their retention purged/);
});
