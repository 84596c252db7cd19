import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { TestDnsServer } from './dns-server.js';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { SmtpReceiver } from './smtp-receiver.js';
import { swaks } from './swaks.js';

/**
 * Switchboard A delivers straight to MX hosts found through a DNS server the test runs, to SMTP
 * receivers on loopback: 127.0.0.1 takes mail, nothing listens on 127.0.0.2 (connection
 * refused), and 127.0.0.3 answers every RCPT with 451.
 */
let dns: TestDnsServer;
let mx: SmtpReceiver;
let busy: SmtpReceiver;
let a: ServerProcess;
let admin: Client;
let ann: { client: Client; id: string };
let keyDir: string;

before(async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keyDir = mkdtempSync(join(tmpdir(), 'switchboard-dkim-'));
  const keyFile = join(keyDir, 'dkim.pem');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

  mx = await SmtpReceiver.start('127.0.0.1', 0, (rcpt) =>
    rcpt.startsWith('nobody@') ? { code: 550, message: '5.1.1 no such user' } : null,
  );
  busy = await SmtpReceiver.start('127.0.0.3', mx.port, () => ({
    code: 451,
    message: '4.3.2 try again later',
  }));
  dns = await TestDnsServer.start({
    'b.test': { MX: [{ preference: 10, exchange: 'mx.b.test' }] },
    'mx.b.test': { A: ['127.0.0.1'] },
    'fallback.test': {
      MX: [
        { preference: 20, exchange: 'mx2.fallback.test' },
        { preference: 10, exchange: 'mx1.fallback.test' },
      ],
    },
    'mx1.fallback.test': { A: ['127.0.0.2'] },
    'mx2.fallback.test': { A: ['127.0.0.1'] },
    'busy.test': {
      MX: [
        { preference: 10, exchange: 'mx1.busy.test' },
        { preference: 20, exchange: 'mx2.busy.test' },
      ],
    },
    'mx1.busy.test': { A: ['127.0.0.3'] },
    'mx2.busy.test': { A: ['127.0.0.1'] },
    'plain.test': { A: ['127.0.0.1'] },
    'null.test': { MX: [{ preference: 0, exchange: '.' }] },
    'sel._domainkey.a.test': { TXT: [`v=DKIM1; k=rsa; p=${p}`] },
  });
  a = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_DNS_SERVERS: dns.address,
    SWITCHBOARD_DKIM_SELECTOR: 'sel',
    SWITCHBOARD_DKIM_KEY_FILE: keyFile,
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '60000',
    // Low, so that counting remote refusals against the resource would show.
    SWITCHBOARD_RESOURCE_FAILURE_LIMIT: '2',
  });
  admin = new Client(a.url, ADMIN_TOKEN);
  const resource = await admin.post('/api/v1/resources', {
    name: 'direct',
    type: 'smtp',
    config: { mode: 'mx', port: mx.port, perDestination: 2, timeoutMs: 5000 },
    rates: [{ prefix: 'mailto:', price: 0 }],
    channels: 8,
  });
  assert.equal(resource.status, 201, JSON.stringify(resource.body));
  ann = await subscriberClient(a, { name: 'Ann', addresses: ['mailto:ann@a.test'] });
});
after(async () => {
  await a.dispose();
  await Promise.all([mx.close(), busy.close(), dns.close()]);
  rmSync(keyDir, { recursive: true, force: true });
});

const ended = (id: string) =>
  eventually(async () => {
    const d = (await admin.get(`/api/v1/deliveries/${id}`)).body;
    return ['S', 'F', 'D'].includes(d.status) ? d : undefined;
  }, `delivery ${id}`);

async function send(to: string, subject: string, extra: Record<string, unknown> = {}) {
  const sent = await ann.client.post('/api/v1/messages', {
    to: [`mailto:${to}`],
    subject,
    text: `Body of ${subject}`,
    ...extra,
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  return ended(sent.body.deliveries[0].id);
}

test('mail goes to the MX host over STARTTLS, with its parts, a VERP return path and a DKIM signature', async () => {
  const attachment = randomBytes(3000);
  const d = await send('someone@b.test', 'Direct', {
    attachments: [
      {
        filename: 'data.bin',
        contentType: 'application/octet-stream',
        content: attachment.toString('base64'),
      },
    ],
  });
  assert.equal(d.status, 'S', JSON.stringify(d));
  const [got] = mx.to('someone@b.test');
  assert.ok(got, 'the MX host received it');
  assert.equal(got.secure, true, 'STARTTLS was used');
  assert.match(got.mailFrom, new RegExp(`^bounce\\+${d.id}\\.[0-9a-f]{16}@a\\.test$`));

  const mail = await simpleParser(got.raw);
  assert.equal(mail.subject, 'Direct');
  assert.equal(mail.from?.value[0]?.address, 'ann@a.test');
  assert.equal(mail.text?.trim(), 'Body of Direct');
  assert.ok(mail.attachments.find((x) => x.filename === 'data.bin')?.content.equals(attachment));

  const resolver = new Resolver();
  resolver.setServers([dns.address]);
  const verdict = await dkimVerify(got.raw, {
    resolver: (name: string, rr: string) => resolver.resolve(name, rr) as never,
  });
  const signature = verdict.results[0];
  assert.equal(signature?.signingDomain, 'a.test');
  assert.equal(signature?.selector, 'sel');
  assert.equal(signature?.status.result, 'pass', JSON.stringify(signature?.status));

  const tampered = Buffer.from(got.raw.toString().replace('Body of Direct', 'Body of Forged'));
  const broken = await dkimVerify(tampered, {
    resolver: (name: string, rr: string) => resolver.resolve(name, rr) as never,
  });
  assert.ok(!tampered.equals(got.raw));
  // mailauth calls a body hash mismatch "neutral" (RFC 6376 6.1.3 leaves the label open).
  assert.notEqual(broken.results[0]?.status.result, 'pass', 'the signature covers the body');
});

test('a mail client submits with AUTH; the mail reaches the MX host signed and the signature verifies there', async () => {
  const sent = await swaks(a.submissionPort, [
    '--tls',
    '--auth',
    'PLAIN',
    '--auth-user',
    'ann@a.test',
    '--auth-password',
    'Ann long password',
    '--from',
    'ann@a.test',
    '--to',
    'client@b.test',
    '--header',
    'Subject: From my mail program',
    '--body',
    'Sent with swaks over the submission port.',
  ]);
  assert.equal(sent.code, 0, sent.out);
  const got = await eventually(async () => mx.to('client@b.test')[0], 'the mail at the MX host');
  const mail = await simpleParser(got.raw);
  assert.equal(mail.subject, 'From my mail program');
  assert.equal(mail.from?.value[0]?.address, 'ann@a.test');
  const resolver = new Resolver();
  resolver.setServers([dns.address]);
  const verdict = await dkimVerify(got.raw, {
    resolver: (name: string, rr: string) => resolver.resolve(name, rr) as never,
  });
  assert.equal(verdict.results[0]?.signingDomain, 'a.test');
  assert.equal(verdict.results[0]?.status.result, 'pass', JSON.stringify(verdict.results[0]));
});

test('pooled connections, at most perDestination of them to one domain at a time', async () => {
  const before = mx.connections;
  mx.peakOpen = mx.open;
  const sends = Array.from({ length: 6 }, (_, i) => send(`many${i}@b.test`, `Batch ${i}`));
  for (const d of await Promise.all(sends)) assert.equal(d.status, 'S', JSON.stringify(d));
  for (let i = 0; i < 6; i++) assert.equal(mx.to(`many${i}@b.test`).length, 1);
  assert.ok(mx.peakOpen <= 2, `at most 2 connections at once, saw ${mx.peakOpen}`);
  assert.ok(
    mx.connections - before <= 2,
    `six mails over at most two new connections, saw ${mx.connections - before}`,
  );
});

test('hosts are tried in preference order: a refused connection or a 4xx moves to the next', async () => {
  const refused = await send('someone@fallback.test', 'Fallback');
  assert.equal(refused.status, 'S', JSON.stringify(refused));
  assert.equal(mx.to('someone@fallback.test').length, 1);

  const deferred = await send('someone@busy.test', 'Busy first');
  assert.equal(deferred.status, 'S', JSON.stringify(deferred));
  assert.equal(mx.to('someone@busy.test').length, 1);
  assert.equal(busy.received.length, 0);
  assert.ok(busy.connections >= 1, 'the preferred host was asked first');
});

test('a domain without MX gets mail at its address record', async () => {
  const d = await send('someone@plain.test', 'Implicit MX');
  assert.equal(d.status, 'S', JSON.stringify(d));
  assert.equal(mx.to('someone@plain.test').length, 1);
});

test('a null MX and a 5xx fail for good, each with a receipt, and leave the resource in service', async () => {
  const nullMx = await send('someone@null.test', 'Nowhere');
  assert.equal(nullMx.status, 'F');
  assert.match(nullMx.lastError, /null MX/);
  const refused = await send('nobody@b.test', 'Refused');
  assert.equal(refused.status, 'F');
  assert.match(refused.lastError, /550 5\.1\.1/);
  await eventually(async () => {
    const subjects = (await ann.client.get('/api/v1/messages?folder=inbox')).body.messages.map(
      (m: { subject: string }) => m.subject,
    );
    return ['Not delivered: Nowhere', 'Not delivered: Refused'].every((s) => subjects.includes(s));
  }, 'both receipts');
  const resources = (await admin.get('/api/v1/resources')).body;
  const direct = (resources.resources ?? resources).find(
    (r: { name: string }) => r.name === 'direct',
  );
  assert.equal(
    direct.status,
    'A',
    'refusals by other domains do not take MX delivery out of service',
  );
  assert.equal(direct.consecutiveFailures, 0);
});
