import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { TestDnsServer } from './dns-server.js';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { swaks } from './swaks.js';

/**
 * Inbound SPF, DKIM and DMARC against a real DNS server on loopback: the verdict is kept with
 * the message, and the operator's policy (here: follow the sender's DMARC policy) decides
 * whether failing mail is refused, filed as junk or delivered.
 */
let dns: TestDnsServer;
let server: ServerProcess;
let ann: { client: Client; id: string };
const dir = mkdtempSync(join(tmpdir(), 'switchboard-mailauth-'));
const dkimKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

before(async () => {
  const publicKey = dkimKey.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  dns = await TestDnsServer.start({
    // 127.0.0.1 is this machine: the sending client of every test here.
    'good.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    '_dmarc.good.test': { TXT: ['v=DMARC1; p=reject'] },
    'forged.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
    '_dmarc.forged.test': { TXT: ['v=DMARC1; p=reject'] },
    'doubtful.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
    '_dmarc.doubtful.test': { TXT: ['v=DMARC1; p=quarantine'] },
    'signed.test': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
    '_dmarc.signed.test': { TXT: ['v=DMARC1; p=reject'] },
    'sel1._domainkey.signed.test': { TXT: [`v=DKIM1; k=rsa; p=${publicKey}`] },
  });
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_DNS_SERVERS: dns.address,
    SWITCHBOARD_MAIL_TRUSTED_NETWORKS: 'none',
    SWITCHBOARD_MAIL_AUTH_POLICY: 'dmarc',
  });
  ann = await subscriberClient(server, { name: 'Ann', addresses: ['mailto:ann@a.test'] });
});
after(async () => {
  await server.dispose();
  await dns.close();
});

async function arrived(subject: string) {
  return eventually(async () => {
    for (const folder of ['inbox', 'junk']) {
      const list = (await ann.client.get(`/api/v1/messages?folder=${folder}`)).body.messages;
      const found = list.find((m: { subject: string }) => m.subject === subject);
      if (found) return found;
    }
    return undefined;
  }, `message "${subject}"`);
}

test('mail whose SPF and DMARC pass lands in the inbox with the results recorded', async () => {
  const sent = await swaks(server.smtpPort, [
    '--from',
    'carol@good.test',
    '--to',
    'ann@a.test',
    '--header',
    'Subject: passes',
  ]);
  assert.equal(sent.code, 0, sent.out);
  const message = await arrived('passes');
  assert.equal(message.folder, 'inbox');
  assert.match(message.authResults, /spf=pass/);
  assert.match(message.authResults, /dmarc=pass/);
});

test('forged mail from a domain publishing p=reject is refused with 550 5.7.1', async () => {
  const sent = await swaks(server.smtpPort, [
    '--from',
    'ceo@forged.test',
    '--to',
    'ann@a.test',
    '--header',
    'Subject: wire the money',
  ]);
  assert.notEqual(sent.code, 0);
  assert.match(sent.out, /<\*\* +550 5\.7\.1 DMARC fails for forged\.test/);
  const all = (await ann.client.get('/api/v1/messages?q=money')).body.messages;
  assert.equal(all.length, 0);
});

test('failing mail from a domain publishing p=quarantine goes to the junk folder', async () => {
  const sent = await swaks(server.smtpPort, [
    '--from',
    'someone@doubtful.test',
    '--to',
    'ann@a.test',
    '--header',
    'Subject: doubtful offer',
  ]);
  assert.equal(sent.code, 0, sent.out);
  const message = await arrived('doubtful offer');
  assert.equal(message.folder, 'junk');
  assert.match(message.authResults, /spf=fail/);
  assert.match(message.authResults, /dmarc=fail/);
});

test('a valid DKIM signature of the sender domain passes DMARC although SPF fails', async () => {
  const body = [
    'From: Dora <dora@signed.test>',
    'To: ann@a.test',
    'Subject: signed news',
    'Date: Thu, 26 Nov 2026 10:00:00 +0000',
    'Message-ID: <signed-1@signed.test>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'This one carries a DKIM signature.',
    '',
  ].join('\r\n');
  const signed = await dkimSign(body, {
    signatureData: [
      {
        signingDomain: 'signed.test',
        selector: 'sel1',
        privateKey: dkimKey.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      },
    ],
    // mailauth's typings describe one signature; the signer itself takes a list.
  } as never);
  const file = join(dir, 'signed.eml');
  writeFileSync(file, signed.signatures + body);
  const sent = await swaks(server.smtpPort, [
    '--from',
    'dora@signed.test',
    '--to',
    'ann@a.test',
    '--data',
    file,
  ]);
  assert.equal(sent.code, 0, sent.out);
  const message = await arrived('signed news');
  assert.equal(message.folder, 'inbox');
  assert.match(message.authResults, /dkim=pass/);
  assert.match(message.authResults, /spf=fail/);
  assert.match(message.authResults, /dmarc=pass/);
});
