import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { PDFDocument } from 'pdf-lib';
import { faxPagesOf, pixelDifference, tiffPage } from './fax-fixtures.js';
import { TestFaxSender } from './fax-sender.js';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { MailSink } from './mail-sink.js';
import { eventually } from './receiver.js';

/**
 * Fax-to-email: a test fax machine (spandsp sending on a SIP leg of its own) sends two pages to
 * Ann's fax number; Ann's rules send her an email notice for faxes, so the mail sink (standing
 * in for her provider, behind the smarthost resource) gets a mail naming the sending station and
 * the pages, with the fax attached as a PDF of exactly those pages.
 */
let server: ServerProcess;
let sink: MailSink;
let sender: TestFaxSender;
let ann: { client: Client; id: string };
const dir = mkdtempSync(join(tmpdir(), 'switchboard-fax-email-'));
const document = join(dir, 'document.tif');

before(async () => {
  const ps = join(dir, 'document.ps');
  writeFileSync(
    ps,
    `%!PS
/Helvetica findfont 40 scalefont setfont
1 1 2 { /n exch def
  72 720 moveto (Fax to email, page ) show n 1 string cvs show
  n 150 mul 60 add 250 moveto 150 0 rlineto 0 150 rlineto -150 0 rlineto closepath fill
  showpage } for
`,
  );
  faxPagesOf(ps, document);
  sink = await MailSink.start();
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_FAX_NUMBERS: '+15550009',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  const admin = new Client(server.url, ADMIN_TOKEN);
  const resource = await admin.post('/api/v1/resources', {
    name: 'smarthost',
    type: 'smtp',
    config: { host: '127.0.0.1', port: sink.port },
    rates: [{ prefix: 'mailto:', price: 0 }],
  });
  assert.equal(resource.status, 201, JSON.stringify(resource.body));
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['mailto:ann@a.test', 'tel:+15550001', 'tel:+15550009'],
    language: 'en',
    notificationPreferences: {
      rules: [{ messageType: 'fax', channels: ['email'] }],
      email: 'ann@home.test',
    },
  });
  sender = await TestFaxSender.start();
});

after(async () => {
  await sender?.close();
  await server?.dispose();
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a fax received is mailed to the subscriber as a PDF of its pages, the notice naming the station and the pages', async () => {
  const sent = await sender.sendWhole(`sip:+15550009@127.0.0.1:${server.sipPort}`, document, {
    ident: '+1 555 765 4321',
    from: 'sip:+15557654321@127.0.0.1',
  });
  assert.equal(sent.outcome.ok, true, sent.outcome.status);
  assert.equal(sent.outcome.pages, 2);

  // The notice of the whole fax (a redial's cut-short fax before it has its own).
  const parsed = await eventually(
    async () => {
      for (const mail of sink.mails.filter((m) => m.to.includes('ann@home.test'))) {
        const parsed = await simpleParser(mail.raw);
        if (/Fax from \+1 555 765 4321\.$/m.test(parsed.text ?? '')) return parsed;
      }
      return undefined;
    },
    'the notice mail',
    60_000,
  );
  // The subject names the caller and the call's length; the text the station and the pages.
  assert.match(parsed.subject ?? '', /^New fax from \+15557654321 \(0:[0-9]{2}\)$/);
  const text = parsed.text ?? '';
  assert.match(text, /You have a new fax from \+15557654321: Fax from \+1 555 765 4321\./);
  assert.match(text, /^Pages: 2$/m);
  assert.match(text, /^Received: /m);
  assert.match(text, /Open it: http/);
  assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');

  const pdfs = parsed.attachments.filter((a) => a.contentType === 'application/pdf');
  assert.equal(pdfs.length, 1, parsed.attachments.map((a) => a.contentType).join(', '));
  assert.match(pdfs[0]!.filename ?? '', /^fax-[0-9]{8}-[0-9]{6}\.pdf$/);
  const pdf = await PDFDocument.load(pdfs[0]!.content);
  assert.equal(pdf.getPageCount(), 2, 'one PDF page a fax page');

  // The PDF's pages are the pages sent: made back into fax pages, each matches its original.
  const attached = join(dir, 'attached.pdf');
  writeFileSync(attached, pdfs[0]!.content);
  const again = join(dir, 'attached.tif');
  faxPagesOf(attached, again);
  const original = readFileSync(document);
  const back = readFileSync(again);
  for (let n = 0; n < 2; n++) {
    const d = pixelDifference(await tiffPage(original, n), await tiffPage(back, n));
    assert.ok(d < 0.02, `page ${n + 1} differs from the original in ${(d * 100).toFixed(2)}%`);
    const other = pixelDifference(await tiffPage(original, 1 - n), await tiffPage(back, n));
    assert.ok(other > d, `page ${n + 1} is not the other page`);
  }

  // The same fax is in Ann's inbox, with the pages the mail names.
  const faxes = (await ann.client.get('/api/v1/messages?type=fax')).body.messages as any[];
  const fax = faxes.find((m) => m.subject === 'Fax from +1 555 765 4321');
  assert.equal(fax?.pages, 2, JSON.stringify(faxes));
});
