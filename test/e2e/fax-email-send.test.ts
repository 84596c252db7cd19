import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { blackShare, faxPagesOf, ocrPage, pixelDifference, tiffPage } from './fax-fixtures.js';
import { TestFaxReceiver } from './fax-receiver.js';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { swaks } from './swaks.js';

/**
 * Email-to-fax through the real fax resource: Ann, signed in over TLS, mails a 2-page PDF to
 * <number>@fax.a.test with swaks; the fax resource dials the number through its trunk, which is
 * a test fax machine (spandsp receiving on a SIP leg of its own). The machine gets the cover
 * (with the mail's subject and body) and both pages, Ann a receipt naming the pages, and the
 * CDR counts them. Pictures mailed instead of a PDF are faxed as pages too; mail that is not
 * signed in dials nothing.
 */
let server: ServerProcess;
let admin: Client;
let ann: { client: Client; id: string };
let machine: TestFaxReceiver;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-fax-email-'));
const pdf = join(dir, 'figures.pdf');
const pages = join(dir, 'figures.tif');
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
  const ps = join(dir, 'figures.ps');
  writeFileSync(
    ps,
    `%!PS
/Helvetica findfont 36 scalefont setfont
1 1 2 { /n exch def
  72 720 moveto (Mailed figures, sheet ) show n 1 string cvs show
  n 200 mul 60 add 300 moveto 180 0 rlineto 0 180 rlineto -180 0 rlineto closepath fill
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
    `-sOutputFile=${pdf}`,
    ps,
  ]);
  // The pages as the server's converter makes them (ghostscript:tiffg3), to compare with.
  faxPagesOf(pdf, pages);
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
    SWITCHBOARD_DIAL_ALLOWED_PREFIXES: '+4930',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    // A fax that did not go through whole (T.30 losing its timing on a loaded machine) is
    // tried again soon.
    SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '1000',
    SWITCHBOARD_DELIVERY_RETRY_MAX_MS: '2000',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  admin = new Client(server.url, ADMIN_TOKEN);
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['mailto:ann@a.test', 'tel:+15550001'],
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
});

after(async () => {
  await machine?.close();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const messageDeliveries = async (): Promise<any[]> =>
  (await admin.get('/api/v1/deliveries?kind=message&limit=1000')).body.deliveries;

/** The first delivery to `recipient` not among `seen`, once it has ended. */
async function endedDelivery(recipient: string, seen: any[]) {
  const known = new Set(seen.map((d) => d.id));
  const { id } = await eventually(
    async () =>
      (await messageDeliveries()).find((d) => d.recipient === recipient && !known.has(d.id)),
    `a delivery to ${recipient}`,
  );
  return eventually(
    async () => {
      const d = (await admin.get(`/api/v1/deliveries/${id}`)).body;
      return ['S', 'F', 'E'].includes(d.status) ? d : undefined;
    },
    'the fax delivery to end',
    300_000,
  );
}

test('a PDF mailed with AUTH to <number>@fax.<domain> goes out through the fax resource: cover with the mail’s note, both pages, a receipt and a CDR by the page', async () => {
  const seen = await messageDeliveries();
  const sent = await swaks(server.submissionPort, [
    ...auth,
    '--from',
    'ann@a.test',
    '--to',
    '49-30-555-100@fax.a.test',
    '--header',
    'Subject: Mailed figures',
    '--body',
    // One line longer than the cover's 60 characters: broken at a space, not cut off.
    'Please confirm these figures by Friday, or call me if sheet 2 looks wrong.',
    '--attach-type',
    'application/pdf',
    '--attach-name',
    'figures.pdf',
    '--attach',
    `@${pdf}`,
  ]);
  assert.equal(sent.code, 0, sent.out);
  assert.match(sent.out, /<~ +250 /);
  const delivery = await endedDelivery('tel:+4930555100', seen);
  assert.equal(delivery.status, 'S', JSON.stringify(delivery));

  const whole = machine.received.filter((r) => r.outcome.ok);
  assert.equal(whole.length, 1, 'one fax went through whole');
  const [fax] = whole;
  assert.equal(fax!.outcome.ok, true, fax!.outcome.status);
  assert.equal(fax!.outcome.pages, 3, 'the cover and both pages');
  assert.equal(fax!.outcome.remoteId, '+1 555 0001');
  assert.equal(fax!.outcome.ecm, true);
  assert.match(fax!.uri, /^sip:\+4930555100@127\.0\.0\.1/);
  const received = readFileSync(fax!.file);
  const original = readFileSync(pages);
  for (let n = 0; n < 2; n++) {
    const d = pixelDifference(await tiffPage(original, n), await tiffPage(received, n + 1));
    assert.ok(d < 0.005, `page ${n + 1} differs from the original in ${(d * 100).toFixed(2)}%`);
  }
  // The cover, read back by OCR: the subject, the page count and the mail's body as its note.
  const cover = await ocrPage(received, 0);
  assert.match(cover, /Mailed figures/, cover);
  assert.match(cover, /3 \(including this cover page\)/, cover);
  assert.match(cover, /Please confirm these figures by Friday, or call me if/, cover);
  // Broken at the space before "2", the 61st character.
  assert.match(cover, /if sheet\n2 looks wrong\./, cover);

  const cdrs = ((await admin.get(`/api/v1/cdrs?subscriberId=${ann.id}`)).body.cdrs as any[]).filter(
    (c) => c.deliveryId === delivery.id && c.result === 'sent',
  );
  assert.equal(cdrs.length, 1, JSON.stringify(cdrs));
  assert.deepEqual(
    [cdrs[0].unit, cdrs[0].units, cdrs[0].cost, cdrs[0].currency],
    ['page', 3, 0.15, 'EUR'],
  );
  const receipt = await eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?folder=inbox')).body.messages as any[];
    return list.find((m) => m.subject === 'Delivered: Mailed figures');
  }, 'Ann’s receipt');
  const text = String((await ann.client.get(`/api/v1/messages/${receipt.id}/parts/1`)).body);
  assert.match(
    text,
    /delivered to tel:\+4930555100 .*It was sent as a fax of 3 pages to the fax machine "\+49 30 5550 100" on a call of 0:[0-9]{2}\./,
  );
});

test('pictures mailed to a fax address are faxed as pages, in the order attached', async () => {
  const before = machine.received.length;
  // A4-shaped: a PNG black on its left half, a JPEG on its top half, a colour TIFF on its right.
  const left = join(dir, 'left.png');
  const top = join(dir, 'top.jpg');
  const right = join(dir, 'right.tif');
  const half = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: '#000000' } })
      .png()
      .toBuffer();
  await sharp({ create: { width: 850, height: 1200, channels: 3, background: '#ffffff' } })
    .composite([{ input: await half(425, 1200), left: 0, top: 0 }])
    .png()
    .toFile(left);
  await sharp({ create: { width: 850, height: 1200, channels: 3, background: '#ffffff' } })
    .composite([{ input: await half(850, 600), left: 0, top: 0 }])
    .jpeg()
    .toFile(top);
  await sharp({ create: { width: 850, height: 1200, channels: 3, background: '#ffffcc' } })
    .composite([{ input: await half(425, 1200), left: 425, top: 0 }])
    .tiff({ compression: 'lzw' })
    .toFile(right);
  const seen = await messageDeliveries();
  const sent = await swaks(server.submissionPort, [
    ...auth,
    '--from',
    'ann@a.test',
    '--to',
    '4930555100@fax.a.test',
    '--header',
    'Subject: Two sketches',
    '--body',
    'Sketches as discussed.',
    '--attach-type',
    'image/png',
    '--attach-name',
    'left.png',
    '--attach',
    `@${left}`,
    '--attach-type',
    'image/jpeg',
    '--attach-name',
    'top.jpg',
    '--attach',
    `@${top}`,
    '--attach-type',
    'image/tiff',
    '--attach-name',
    'right.tif',
    '--attach',
    `@${right}`,
  ]);
  assert.equal(sent.code, 0, sent.out);
  const delivery = await endedDelivery('tel:+4930555100', seen);
  assert.equal(delivery.status, 'S', JSON.stringify(delivery));
  const whole = machine.received.slice(before).filter((r) => r.outcome.ok);
  assert.equal(whole.length, 1, 'one fax went through whole');
  const fax = whole[0]!;
  assert.equal(fax.outcome.ok, true, fax.outcome.status);
  assert.equal(fax.outcome.pages, 4, 'the cover and one page a picture');
  const received = readFileSync(fax.file);
  const png = await tiffPage(received, 1);
  const jpeg = await tiffPage(received, 2);
  const tiff = await tiffPage(received, 3);
  // Each half judged away from the edges, where fitting the page leaves margins.
  assert.ok(blackShare(png, [0.1, 0.4], [0.2, 0.8]) > 0.9, 'the PNG’s left half is black');
  assert.ok(blackShare(png, [0.6, 0.9], [0.2, 0.8]) < 0.05, 'the PNG’s right half is white');
  assert.ok(blackShare(jpeg, [0.2, 0.8], [0.1, 0.4]) > 0.9, 'the JPEG’s top half is black');
  assert.ok(blackShare(jpeg, [0.2, 0.8], [0.6, 0.9]) < 0.05, 'the JPEG’s bottom half is white');
  assert.ok(blackShare(tiff, [0.6, 0.9], [0.2, 0.8]) > 0.9, 'the TIFF’s right half is black');
  assert.ok(blackShare(tiff, [0.1, 0.4], [0.2, 0.8]) < 0.05, 'the TIFF’s left half is white');
  assert.match(await ocrPage(received, 0), /Sketches as discussed/);
});

test('a mailed "PDF" that is no PDF fails the delivery without a call, and the sender is told why', async () => {
  const callsBefore = machine.received.length + machine.refused;
  const broken = join(dir, 'broken.pdf');
  writeFileSync(broken, '%PDF-1.4\nthis is where the pages would be, but the file ends here');
  const seen = await messageDeliveries();
  const sent = await swaks(server.submissionPort, [
    ...auth,
    '--from',
    'ann@a.test',
    '--to',
    '4930555100@fax.a.test',
    '--header',
    'Subject: Broken scan',
    '--attach-type',
    'application/pdf',
    '--attach-name',
    'broken.pdf',
    '--attach',
    `@${broken}`,
  ]);
  assert.equal(sent.code, 0, sent.out);
  const delivery = await endedDelivery('tel:+4930555100', seen);
  assert.equal(delivery.status, 'F', JSON.stringify(delivery));
  assert.equal(delivery.attempts, 1, 'not tried again: the document will not get better');
  assert.match(delivery.errorLog[0].error, /the document cannot be made into fax pages/);
  assert.equal(machine.received.length + machine.refused, callsBefore, 'nothing was dialled');
  const receipt = await eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?folder=inbox')).body.messages as any[];
    return list.find((m) => m.subject === 'Not delivered: Broken scan');
  }, 'Ann’s receipt');
  const text = String((await ann.client.get(`/api/v1/messages/${receipt.id}/parts/1`)).body);
  assert.match(
    text,
    /could not be delivered to tel:\+4930555100[\s\S]*cannot be made into fax pages/,
  );
});

test('no open relay: mail to a fax address that is not signed in is refused with 5xx and dials nothing', async () => {
  const callsBefore = machine.received.length + machine.refused;
  const deliveriesBefore = (await messageDeliveries()).length;
  const message = [
    '--from',
    'mallory@elsewhere.test',
    '--to',
    '4930555100@fax.a.test',
    '--header',
    'Subject: Free fax',
    '--attach-type',
    'application/pdf',
    '--attach',
    `@${pdf}`,
  ];
  // The submission port without AUTH, with a wrong password, and the inbound port.
  const anonymous = await swaks(server.submissionPort, ['--tls', ...message]);
  assert.notEqual(anonymous.code, 0);
  assert.match(anonymous.out, /<~\* +530 /);
  const wrong = await swaks(server.submissionPort, [
    '--tls',
    '--auth',
    'LOGIN',
    '--auth-user',
    'ann@a.test',
    '--auth-password',
    'not her password',
    ...message,
  ]);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.out, /<~\* +535 5\.7\.8 wrong user name or password/);
  const inbound = await swaks(server.smtpPort, message);
  assert.notEqual(inbound.code, 0);
  assert.match(inbound.out, /<\*\* +550 5\.7\.1 faxes are sent through the submission port/);

  // Give a queued delivery time to dial, were there one.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await messageDeliveries()).length, deliveriesBefore, 'no delivery was queued');
  assert.equal(machine.received.length + machine.refused, callsBefore, 'nothing was dialled');
});
