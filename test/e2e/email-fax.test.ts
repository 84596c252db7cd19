import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually, WebhookReceiver } from './receiver.js';
import { swaks } from './swaks.js';

/**
 * Email-to-fax: a signed-in subscriber mails a PDF to <number>@fax.<domain>; it becomes a fax to
 * that number for whatever resource carries faxes (here a webhook fax service the test runs).
 */
const SECRET = 'fax-service-secret-0123456789';
let server: ServerProcess;
let faxService: WebhookReceiver;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-efax-'));
const auth = [
  '--tls',
  '--auth',
  'LOGIN',
  '--auth-user',
  'ann@a.test',
  '--auth-password',
  'Ann long password',
];

before(async () => {
  faxService = await new WebhookReceiver(SECRET).start();
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
  });
  const admin = new Client(server.url, ADMIN_TOKEN);
  const resource = await admin.post('/api/v1/resources', {
    name: 'fax-service',
    type: 'webhook',
    messageTypes: ['fax'],
    config: { url: faxService.url, inlineMaxBytes: 1_000_000 },
    secret: SECRET,
    rates: [{ prefix: 'tel:+49', price: 0.05 }],
  });
  assert.equal(resource.status, 201, JSON.stringify(resource.body));
  await subscriberClient(server, { name: 'Ann', addresses: ['mailto:ann@a.test'] });
});
after(async () => {
  await server.dispose();
  await faxService.stop();
});

async function pdf(text: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText(text, {
    x: 72,
    y: 700,
    size: 24,
    font: await doc.embedFont(StandardFonts.Helvetica),
  });
  return Buffer.from(await doc.save());
}

test('a PDF mailed to <number>@fax.<domain> goes out as a fax to that number, with the cover note', async () => {
  const document = await pdf('Purchase order 4711');
  const file = join(dir, 'order.pdf');
  writeFileSync(file, document);
  const sent = await swaks(server.submissionPort, [
    ...auth,
    '--from',
    'ann@a.test',
    '--to',
    '49-30-1234567@fax.a.test',
    '--header',
    'Subject: Order 4711',
    '--body',
    'Please confirm by Friday.',
    '--attach-type',
    'application/pdf',
    '--attach-name',
    'order.pdf',
    '--attach',
    `@${file}`,
  ]);
  assert.equal(sent.code, 0, sent.out);
  const got = await eventually(
    async () => faxService.requests.find((r) => r.body.message.subject === 'Order 4711'),
    'the fax at the fax service',
  );
  assert.ok(got.signatureValid);
  assert.equal(got.body.delivery.recipient, 'tel:+49301234567');
  assert.equal(got.body.message.type, 'fax');
  const [note, attached] = got.body.message.parts;
  assert.equal(Buffer.from(note.content, 'base64').toString('utf8'), 'Please confirm by Friday.');
  assert.equal(attached.contentType, 'application/pdf');
  assert.equal(attached.filename, 'order.pdf');
  assert.ok(Buffer.from(attached.content, 'base64').equals(document), 'the PDF, byte for byte');
});

test('fax addresses: not over the inbound port, not mixed with mail, only what can be faxed', async () => {
  const inbound = await swaks(server.smtpPort, [
    '--from',
    'x@elsewhere.test',
    '--to',
    '4930123@fax.a.test',
  ]);
  assert.match(inbound.out, /<\*\* +550 5\.7\.1 faxes are sent through the submission port/);

  const mixed = await swaks(server.submissionPort, [
    ...auth,
    '--from',
    'ann@a.test',
    '--to',
    '4930123@fax.a.test,dave@another.test',
  ]);
  assert.match(mixed.out, /<~\* +452 4\.5\.3 send faxes and mail as separate messages/);

  const notANumber = await swaks(server.submissionPort, [
    ...auth,
    '--from',
    'ann@a.test',
    '--to',
    'sales@fax.a.test',
  ]);
  assert.match(notANumber.out, /<~\* +550 5\.1\.3 sales@fax\.a\.test is not a fax number/);

  const file = join(dir, 'letter.docx');
  writeFileSync(file, Buffer.from('PK\x03\x04 not really a document'));
  const docx = await swaks(server.submissionPort, [
    ...auth,
    '--from',
    'ann@a.test',
    '--to',
    '4930123@fax.a.test',
    '--attach-type',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    '--attach-name',
    'letter.docx',
    '--attach',
    `@${file}`,
  ]);
  assert.match(
    docx.out,
    /<~\* +550 5\.6\.0 letter\.docx .* cannot be faxed; attach PDF, TIFF, PNG or JPEG/,
  );
});
