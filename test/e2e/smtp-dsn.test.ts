import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { SmtpReceiver } from './smtp-receiver.js';

/**
 * DSNs matched to their delivery: Switchboard A sends through a smarthost (an SMTP receiver that
 * records the envelope), which accepts; later the remote side reports back to the VERP bounce
 * address it saw in MAIL FROM, with swaks as the reporting MTA.
 */
let smarthost: SmtpReceiver;
let a: ServerProcess;
let admin: Client;
let ann: { client: Client; id: string };
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-dsn-'));
  smarthost = await SmtpReceiver.start('127.0.0.1', 0);
  a = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
  });
  admin = new Client(a.url, ADMIN_TOKEN);
  const resource = await admin.post('/api/v1/resources', {
    name: 'relay',
    type: 'smtp',
    config: { host: '127.0.0.1', port: smarthost.port },
    rates: [{ prefix: 'mailto:', price: 0 }],
  });
  assert.equal(resource.status, 201, JSON.stringify(resource.body));
  ann = await subscriberClient(a, { name: 'Ann', addresses: ['mailto:ann@a.test'] });
});
after(async () => {
  await a.dispose();
  await smarthost.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends a mail out and waits until the smarthost took it; gives the delivery and its return path. */
async function sentThroughSmarthost(to: string, subject: string) {
  const sent = await ann.client.post('/api/v1/messages', {
    to: [`mailto:${to}`],
    subject,
    text: 'x',
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const id = sent.body.deliveries[0].id as string;
  const delivery = await eventually(async () => {
    const d = (await admin.get(`/api/v1/deliveries/${id}`)).body;
    return d.status === 'S' ? d : undefined;
  }, `delivery ${id} sent`);
  const [mail] = smarthost.to(to);
  assert.ok(mail, 'the smarthost has it');
  return { delivery, bounceAddress: mail.mailFrom };
}

function dsn(to: string, recipient: string, action: string, status: string, diagnostic: string) {
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.b.test>',
    `To: ${to}`,
    'Subject: Delivery Status Notification',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="R"',
    '',
    '--R',
    'Content-Type: text/plain',
    '',
    'The message could not be delivered.',
    '--R',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.b.test',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${diagnostic}`,
    '',
    '--R--',
    '',
  ].join('\r\n');
}

/** swaks as the reporting MTA: null reverse path, the report as the whole DATA. */
async function report(to: string, data: string): Promise<{ code: number; out: string }> {
  const file = join(dir, `dsn-${Date.now()}-${Math.random()}.eml`);
  writeFileSync(file, data);
  try {
    const { stdout } = await promisify(execFile)('swaks', [
      '--server',
      `127.0.0.1:${a.smtpPort}`,
      '--helo',
      'mx.b.test',
      '--from',
      '<>',
      '--to',
      to,
      '--data',
      `@${file}`,
      '--timeout',
      '20',
    ]);
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

test('a DSN saying failed fails a delivery the smarthost had accepted, with a receipt', async () => {
  const { delivery, bounceAddress } = await sentThroughSmarthost('carol@b.test', 'Bounces later');
  assert.match(bounceAddress, new RegExp(`^bounce\\+${delivery.id}\\.[0-9a-f]{16}@a\\.test$`));

  const answer = await report(
    bounceAddress,
    dsn(bounceAddress, 'carol@b.test', 'failed', '5.1.1', '550 5.1.1 mailbox unavailable'),
  );
  assert.equal(answer.code, 0, answer.out);
  assert.match(answer.out, /MAIL FROM:<>/);
  const failed = (await admin.get(`/api/v1/deliveries/${delivery.id}`)).body;
  assert.equal(failed.status, 'F', JSON.stringify(failed));
  assert.match(failed.lastError, /failed carol@b\.test 5\.1\.1 550 5\.1\.1 mailbox unavailable/);
  assert.match(failed.errorLog.at(-1).error, /mailbox unavailable/);
  assert.match(failed.errorLog.at(-1).resource, /DSN from mx\.b\.test/);
  await eventually(
    async () =>
      (await ann.client.get('/api/v1/messages?folder=inbox')).body.messages.some(
        (m: { subject: string }) => m.subject === 'Not delivered: Bounces later',
      ),
    'the failure receipt',
  );
});

test('delayed is noted in the log; delivered changes nothing; forged tags are refused', async () => {
  const { delivery, bounceAddress } = await sentThroughSmarthost('dave@b.test', 'Slow');
  const delayed = await report(
    bounceAddress,
    dsn(bounceAddress, 'dave@b.test', 'delayed', '4.4.1', '451 4.4.1 no answer from host'),
  );
  assert.equal(delayed.code, 0, delayed.out);
  const noted = (await admin.get(`/api/v1/deliveries/${delivery.id}`)).body;
  assert.equal(noted.status, 'S');
  assert.match(noted.errorLog.at(-1).error, /delayed dave@b\.test 4\.4\.1/);

  const delivered = await report(
    bounceAddress,
    dsn(bounceAddress, 'dave@b.test', 'delivered', '2.0.0', '250 ok'),
  );
  assert.equal(delivered.code, 0, delivered.out);
  const unchanged = (await admin.get(`/api/v1/deliveries/${delivery.id}`)).body;
  assert.equal(unchanged.status, 'S');
  assert.equal(unchanged.errorLog.length, noted.errorLog.length);

  const forgedAddress = bounceAddress.replace(/\.[0-9a-f]{16}@/, '.0123456789abcdef@');
  const forged = await report(
    forgedAddress,
    dsn(forgedAddress, 'dave@b.test', 'failed', '5.1.1', '550 forged'),
  );
  assert.notEqual(forged.code, 0);
  assert.match(forged.out, /550 5\.1\.1/);
  assert.equal((await admin.get(`/api/v1/deliveries/${delivery.id}`)).body.status, 'S');
});
