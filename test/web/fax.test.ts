import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { faxPagesOf, pixelDifference, tiffPage } from '../e2e/fax-fixtures.js';
import { TestFaxReceiver } from '../e2e/fax-receiver.js';
import { TestFaxSender } from '../e2e/fax-sender.js';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from '../e2e/harness.js';
import { eventually } from '../e2e/receiver.js';
import { launchBrowser, screenshot, signIn } from './browser.js';

/**
 * Faxes in Chromium, with real fax machines on both sides: Ann composes a fax of an uploaded
 * 2-page PDF with a cover note; the fax resource dials a test fax machine (spandsp receiving on
 * a SIP leg of its own), which gets the cover with the note and the two pages, while the sent
 * fax's state in the app turns to delivered with the page count. A test fax machine sending to
 * Ann's number leaves a fax whose pages show as images, with its station id; one that dies
 * mid-document shows as incomplete. A number that is not one is refused before anything is sent.
 */
let server: ServerProcess;
let admin: Client;
let ann: { client: Client; id: string };
let machine: TestFaxReceiver;
let sender: TestFaxSender;
let browser: Browser;
let page: Page;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-web-fax-'));
const pdf = join(dir, 'figures.pdf');
const png = join(dir, 'sketch.png');
const pages = join(dir, 'figures.tif');
const NOTE = 'Please call back before noon';

/** A PostScript program of pages with a line of text and a black square that moves, as PDF. */
function makePdf(ps: string, out: string, count: number, title: string): void {
  writeFileSync(
    ps,
    `%!PS
/Helvetica findfont 36 scalefont setfont
1 1 ${count} { /n exch def
  72 720 moveto (${title} ) show n 1 string cvs show
  n 150 mul 40 add 300 moveto 140 0 rlineto 0 140 rlineto -140 0 rlineto closepath fill
  showpage } for
`,
  );
  execFileSync('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=pdfwrite',
    '-sPAPERSIZE=a4',
    `-sOutputFile=${out}`,
    ps,
  ]);
}

/** The words on a fax page, read by tesseract (as the server's OCR does). */
async function ocr(tiff: Buffer, n: number): Promise<string> {
  return ocrPng(await sharp(tiff, { page: n }).png().toBuffer());
}

let pictures = 0;
function ocrPng(png: Buffer): string {
  const file = join(dir, `page-${++pictures}.png`);
  writeFileSync(file, png);
  return execFileSync('tesseract', [file, 'stdout', '-l', 'eng', '--psm', '3'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
}

before(async () => {
  makePdf(join(dir, 'figures.ps'), pdf, 2, 'Quarterly figures, sheet');
  faxPagesOf(pdf, pages);
  await sharp({ create: { width: 400, height: 300, channels: 3, background: '#ffffff' } })
    .composite([
      {
        input: Buffer.from('<svg width="200" height="100"><rect width="200" height="100"/></svg>'),
        top: 100,
        left: 100,
      },
    ])
    .png()
    .toFile(png);
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
    SWITCHBOARD_DIAL_ALLOWED_PREFIXES: '+4930',
    SWITCHBOARD_FAX_NUMBERS: '+15550009',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  admin = new Client(server.url, ADMIN_TOKEN);
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['tel:+15550001', 'tel:+15550009'],
    language: 'en',
  });
  machine = await TestFaxReceiver.start(dir, '+49 30 5550 100');
  const added = await admin.post('/api/v1/resources', {
    name: 'fax-line',
    type: 'fax',
    messageTypes: ['fax'],
    config: { trunk: `sip:127.0.0.1:${machine.port}`, ringSeconds: 20, ident: '+1 555 0001' },
    channels: 1,
    rates: [{ prefix: '+4930', price: 0.05 }],
    currency: 'EUR',
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  sender = await TestFaxSender.start();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await signIn(page, server.url, '+15550001', 'Ann long password');
});

after(async () => {
  await browser?.close();
  await sender?.close();
  await machine?.close();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until the fax viewer shows page n as a loaded image. */
function pageShown(n: number) {
  return page.waitForFunction(
    (want) => {
      const img = document.querySelector<HTMLImageElement>('.fax-page img');
      return img?.dataset.page === String(want) && img.complete && img.naturalWidth > 0;
    },
    n,
    { timeout: 60_000 },
  );
}

const sentFaxes = async () =>
  (await ann.client.get('/api/v1/messages?folder=sent&type=fax')).body.messages as Array<{
    id: string;
  }>;

test('a number that is not a fax number is refused with a clear error, and nothing is sent', async () => {
  await page.goto(`${server.url}/#/compose`);
  await page.getByLabel('Send as fax').check();
  await page.getByLabel('Fax number').fill('030 555 100 ext. 7');
  await page.getByLabel('Documents to fax (PDF, PNG, JPEG or TIFF)').setInputFiles(pdf);
  await page.locator('.fax-files li', { hasText: '2 pages' }).waitFor();
  await page.getByRole('button', { name: 'Send fax' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(
    (await alert.textContent()) ?? '',
    /"030 555 100 ext\. 7" is not a fax number\. Enter it in international form/,
  );
  assert.equal(await page.getByLabel('Fax number').getAttribute('aria-invalid'), 'true');
  // Still on compose; no message, no delivery, no call.
  assert.match(page.url(), /#\/compose/);
  assert.deepEqual(await sentFaxes(), []);
  const deliveries = (await admin.get('/api/v1/deliveries')).body.deliveries;
  assert.deepEqual(deliveries, []);
  assert.equal(machine.received.length + machine.refused, 0);
});

test('a fax composed in the browser reaches the fax machine with its cover note; its state turns to delivered with the page count', async () => {
  // A fresh form: through the list, so that the one of the test before is gone.
  await page.goto(`${server.url}/#/`);
  await page.locator('.inbox').waitFor();
  await page.goto(`${server.url}/#/compose?as=fax`);
  assert.equal(await page.getByLabel('Send as fax').isChecked(), true);
  await page.getByLabel('Fax number').fill('+49 30 555 100');
  await page.getByLabel('Subject').fill('Quarterly figures');
  const files = page.getByLabel('Documents to fax (PDF, PNG, JPEG or TIFF)');
  await files.setInputFiles([pdf, png]);
  const rows = page.locator('.fax-files li');
  await rows.filter({ hasText: 'figures.pdf' }).filter({ hasText: '2 pages' }).waitFor();
  await rows.filter({ hasText: 'sketch.png' }).filter({ hasText: '1 page' }).waitFor();
  // The picture is previewed before sending.
  await page.waitForFunction(
    () => (document.querySelector<HTMLImageElement>('.fax-preview img')?.naturalWidth ?? 0) > 0,
  );
  assert.equal(await page.locator('.fax-total').textContent(), '4 pages to send');
  // Removing one file leaves the other.
  await page.getByRole('button', { name: 'Remove sketch.png' }).click();
  assert.deepEqual(await rows.locator('.name').allTextContents(), ['figures.pdf']);
  assert.equal(await page.locator('.fax-preview').count(), 0);
  assert.equal(await page.locator('.fax-total').textContent(), '3 pages to send');
  assert.equal(await page.getByLabel('Sender name').inputValue(), 'Ann');
  await page.getByLabel('Recipient name').fill('Mr Smith');
  await page.getByLabel('Note on the cover page').fill(NOTE);
  // The preview is the fax as the machine will get it: the cover, then the two pages.
  await page.getByRole('button', { name: 'Preview the fax' }).click();
  const rendered = page.locator('.fax-rendered img');
  await page.locator('.fax-rendered p').waitFor({ timeout: 60_000 });
  assert.equal(
    await page.locator('.fax-rendered p').textContent(),
    'The fax as it will be sent: 3 pages.',
  );
  assert.equal(await rendered.count(), 3);
  const widths = await rendered.evaluateAll((l) =>
    l.map((img) => (img as HTMLImageElement).naturalWidth),
  );
  assert.deepEqual(widths, [1728, 1728, 1728]);
  // The cover of the preview reads as the one sent will.
  const coverPng = Buffer.from(
    ((await rendered.first().getAttribute('src')) ?? '').replace(/^data:image\/png;base64,/, ''),
    'base64',
  );
  const previewText = ocrPng(coverPng);
  assert.ok(previewText.includes(NOTE), `the note on the previewed cover: ${previewText}`);
  await page.locator('.fax-rendered').scrollIntoViewIfNeeded();
  await screenshot(page, 'fax-compose');
  await page.getByRole('button', { name: 'Send fax' }).click();

  // The sent fax opens, and its delivery is followed until the machine confirmed every page.
  await page.waitForFunction(() => location.hash.startsWith('#/m/'));
  const status = page.locator('.fax-status li');
  await status.first().waitFor();
  assert.match(
    (await status.first().textContent()) ?? '',
    /\+4930555100 (Queued|Dialling and sending|Delivered)/,
  );
  await page.locator('.fax-status li[data-state="delivered"]').waitFor({ timeout: 150_000 });
  assert.match(
    (await status.first().locator('.badge').textContent()) ?? '',
    /^Delivered: 3 pages at /,
  );
  await screenshot(page, 'fax-sent');

  // The machine got the cover (with the note and the names) and both pages as they were.
  assert.equal(machine.received.length, 1);
  const [fax] = machine.received;
  assert.equal(fax!.outcome.ok, true, fax!.outcome.status);
  assert.equal(fax!.outcome.pages, 3);
  const received = readFileSync(fax!.file);
  const original = readFileSync(pages);
  for (let n = 0; n < 2; n++) {
    const d = pixelDifference(await tiffPage(original, n), await tiffPage(received, n + 1));
    assert.ok(d < 0.005, `page ${n + 1} differs from the original in ${(d * 100).toFixed(2)}%`);
  }
  const cover = await ocr(received, 0);
  for (const words of ['FAX', 'Mr Smith', 'Ann', 'Quarterly figures', NOTE])
    assert.ok(cover.includes(words), `${words} on the cover: ${JSON.stringify(cover)}`);
  assert.match(cover, /3 \(including this cover page\)/);

  // The list of sent messages says so too.
  await page.goto(`${server.url}/#/?folder=sent`);
  const row = page.locator('.messages li[data-type="fax"]');
  await row.locator('.badge.fax-delivered').waitFor();
  assert.equal(await row.locator('.badge.fax-delivered').textContent(), 'delivered');
});

test('the compose and preview API refuse a cover page on anything but a fax, a file a fax cannot take, a broken PDF', async () => {
  const cover = await ann.client.post('/api/v1/messages', {
    type: 'text',
    to: ['tel:+4930555100'],
    text: 'hello',
    cover: { style: 'standard', note: 'x' },
  });
  assert.equal(cover.status, 400);
  assert.match(cover.body.detail, /a cover page is for a fax/);
  const word = await ann.client.post('/api/v1/messages', {
    type: 'fax',
    to: ['tel:+4930555100'],
    attachments: [{ filename: 'letter.doc', contentType: 'application/msword', content: 'AAAA' }],
  });
  assert.equal(word.status, 400);
  assert.match(word.body.detail, /letter\.doc\) is application\/msword: a fax takes PDF, PNG/);
  const preview = await ann.client.post('/api/v1/fax/preview', {
    attachments: [{ filename: 'letter.doc', contentType: 'application/msword', content: 'AAAA' }],
  });
  assert.equal(preview.status, 400);
  assert.match(preview.body.detail, /a fax takes PDF, PNG, JPEG or TIFF/);
  // A file that claims to be a PDF and is not: a clear problem, and the server carries on.
  const broken = await ann.client.post('/api/v1/fax/preview', {
    attachments: [
      {
        filename: 'broken.pdf',
        contentType: 'application/pdf',
        content: Buffer.from('not a PDF at all').toString('base64'),
      },
    ],
  });
  assert.ok([400, 422].includes(broken.status), `${broken.status} ${JSON.stringify(broken.body)}`);
  assert.equal((await ann.client.get('/api/v1/messages')).status, 200);
});

test('a received fax shows its pages as images, its station id and page count; one cut short says it is incomplete', async () => {
  const tiff = join(dir, 'incoming.tif');
  makePdf(join(dir, 'incoming.ps'), join(dir, 'incoming.pdf'), 2, 'Incoming order, page');
  faxPagesOf(join(dir, 'incoming.pdf'), tiff);
  const sent = await sender.send(`sip:+15550009@127.0.0.1:${server.sipPort}`, tiff, {
    ident: '+1 555 765 4321',
    from: 'sip:+15557654321@127.0.0.1',
  });
  assert.equal(sent.outcome.ok, true, sent.outcome.status);
  const fax = await eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?folder=inbox&type=fax')).body.messages;
    return list[0];
  }, 'the received fax');

  await page.goto(`${server.url}/#/`);
  await page.locator(`.messages li[data-id="${fax.id}"] a`).click();
  await page.locator('.fax-station').waitFor();
  assert.equal(await page.locator('.fax-station').textContent(), '+1 555 765 4321');
  assert.equal(await page.locator('.fax-pages-count').textContent(), '2');
  // Each page is an image the browser loaded (rendered to PNG on the server).
  await pageShown(1);
  await page.getByRole('button', { name: 'Next page' }).click();
  await pageShown(2);
  assert.equal(await page.locator('.fax-incomplete').count(), 0);
  await screenshot(page, 'fax-received');

  // A machine that dies in the middle of page 2: the page that came is kept, marked incomplete.
  const cut = await sender.send(`sip:+15550009@127.0.0.1:${server.sipPort}`, tiff, {
    ident: '+1 555 000 0002',
    from: 'sip:+15550002@127.0.0.1',
    onPage: (p, session) => {
      if (p.pages === 1) setTimeout(() => process.kill(session.pid!, 'SIGKILL'), 4000);
    },
  });
  assert.equal(cut.outcome.pages, 1);
  const short = await eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?folder=inbox&type=fax')).body.messages;
    return list.find((m: { id: string }) => m.id !== fax.id);
  }, 'the incomplete fax');
  await page.goto(`${server.url}/#/`);
  const row = page.locator(`.messages li[data-id="${short.id}"]`);
  await row.locator('.badge.fax-incomplete').waitFor();
  await row.locator('a').click();
  await page.locator('.fax-incomplete').waitFor();
  assert.match(
    (await page.locator('p.fax-incomplete').textContent()) ?? '',
    /^Incomplete: the fax stopped after these pages \(.+\)\.$/,
  );
  assert.equal(await page.locator('.fax-station').textContent(), '+1 555 000 0002');
  assert.equal(await page.locator('.fax-pages-count').textContent(), '1');
});
