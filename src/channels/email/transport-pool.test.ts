import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SmtpReceiver } from '../../../test/e2e/smtp-receiver.js';
import { TransportPool } from './transport-pool.js';

let receiver: SmtpReceiver;
before(async () => {
  receiver = await SmtpReceiver.start('127.0.0.1', 0);
});
after(() => receiver.close());

test('mail to one server reuses a pooled connection; an idle pool is closed', async () => {
  let clock = 0;
  const pool = new TransportPool(60_000, () => clock);
  const target = {
    host: 'localhost',
    address: '127.0.0.1',
    port: receiver.port,
    secure: false,
    clientName: 'a.test',
    timeoutMs: 5000,
    maxConnections: 1,
  };
  const mail = (n: number) => ({
    from: 'ann@a.test',
    to: `bob${n}@b.test`,
    subject: `n${n}`,
    text: 'x',
  });
  for (let n = 0; n < 3; n++) await pool.send(target, mail(n));
  assert.equal(receiver.received.length, 3);
  assert.equal(receiver.connections, 1, 'one connection carried all three');
  assert.ok(
    receiver.received.every((m) => m.secure),
    'STARTTLS on the pooled connection',
  );

  await pool.send({ ...target, user: 'other', password: 'secret' }, mail(3)).catch(() => {});
  assert.equal(pool.size, 2, 'another account gets a pool of its own');

  clock = 59_000;
  pool.sweep();
  assert.equal(pool.size, 2, 'not idle long enough');
  clock = 61_000;
  pool.sweep();
  assert.equal(pool.size, 0);
  for (let i = 0; i < 100 && receiver.open > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(receiver.open, 0, 'the pooled connections were closed');
  pool.close();
});
