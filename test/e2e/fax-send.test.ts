import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { faxPagesOf, pixelDifference, tiffPage } from './fax-fixtures.js';
import { TestFaxReceiver } from './fax-receiver.js';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';

/**
 * Sending a fax: Ann sends a 2-page PDF as a fax message to a number abroad; the fax resource
 * dials it through its trunk, which is a test fax machine (spandsp receiving on a SIP leg of its
 * own). Its line is busy the first time, so the delivery is tried again; then the machine
 * receives the cover page and the two pages, the delivery is sent with a CDR of 3 pages, and
 * Ann's receipt says how many pages went to which machine on how long a call.
 */
let server: ServerProcess;
let admin: Client;
let ann: { client: Client; id: string };
let machine: TestFaxReceiver;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-fax-send-'));
const pdf = join(dir, 'document.pdf');
const pages = join(dir, 'document.tif');

before(async () => {
  const ps = join(dir, 'document.ps');
  writeFileSync(
    ps,
    `%!PS
/Helvetica findfont 36 scalefont setfont
1 1 2 { /n exch def
  72 720 moveto (Quarterly figures, sheet ) show n 1 string cvs show
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
    SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '1000',
    SWITCHBOARD_DELIVERY_RETRY_MAX_MS: '2000',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  admin = new Client(server.url, ADMIN_TOKEN);
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['tel:+15550001'],
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
  const bad = await admin.post('/api/v1/resources', {
    name: 'fax-bad',
    type: 'fax',
    config: { ident: 'not a station id, far too long' },
  });
  assert.equal(bad.status, 400);
  assert.match(bad.body.detail, /station id/);
});

after(async () => {
  await machine?.close();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('the fax resource sends a PDF with a cover page; busy is tried again; CDR by the page; the receipt tells pages, station and call', async () => {
  machine.busy = 1;
  const sent = await ann.client.post('/api/v1/messages', {
    type: 'fax',
    to: ['tel:+4930555100'],
    subject: 'Quarterly figures',
    attachments: [
      {
        contentType: 'application/pdf',
        filename: 'figures.pdf',
        content: readFileSync(pdf).toString('base64'),
      },
    ],
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const messageId = sent.body.copies[0].messageId;
  const [{ id }] = await eventually(async () => {
    const list = (await admin.get(`/api/v1/deliveries?messageId=${messageId}`)).body.deliveries;
    return list.length ? list : undefined;
  }, 'the delivery');
  const delivery = await eventually(
    async () => {
      const d = (await admin.get(`/api/v1/deliveries/${id}`)).body;
      return ['S', 'F', 'E'].includes(d.status) ? d : undefined;
    },
    'the fax delivery to end',
    150_000,
  );
  assert.equal(delivery.status, 'S', JSON.stringify(delivery));
  assert.equal(machine.refused, 1, 'the first call found the line busy');
  assert.equal(delivery.attempts, 2);
  assert.match(delivery.errorLog[0].error, /tel:\+4930555100: busy \(486/);

  // The machine received the cover and both pages, from our station id, sent with ECM.
  assert.equal(machine.received.length, 1);
  const [fax] = machine.received;
  assert.equal(fax!.outcome.ok, true, fax!.outcome.status);
  assert.equal(fax!.outcome.pages, 3);
  assert.equal(fax!.outcome.remoteId, '+1 555 0001');
  assert.equal(fax!.outcome.ecm, true);
  assert.match(fax!.uri, /^sip:\+4930555100@127\.0\.0\.1/);
  const received = readFileSync(fax!.file);
  const original = readFileSync(pages);
  for (let n = 0; n < 2; n++) {
    const d = pixelDifference(await tiffPage(original, n), await tiffPage(received, n + 1));
    assert.ok(d < 0.005, `page ${n + 1} differs from the original in ${(d * 100).toFixed(2)}%`);
  }
  // The first page is the cover, not the document's first page.
  assert.ok(pixelDifference(await tiffPage(original, 0), await tiffPage(received, 0)) > 0.005);

  const cdrs = ((await admin.get(`/api/v1/cdrs?subscriberId=${ann.id}`)).body.cdrs as any[]).filter(
    (c) => c.deliveryId === id,
  );
  const paid = cdrs.filter((c) => c.result === 'sent');
  assert.equal(paid.length, 1, JSON.stringify(cdrs));
  assert.deepEqual(
    [paid[0].unit, paid[0].units, paid[0].cost, paid[0].currency],
    ['page', 3, 0.15, 'EUR'],
  );
  assert.ok(cdrs.filter((c) => c.result !== 'sent').every((c) => c.units === 0 && c.cost === 0));

  const receipt = await eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?folder=inbox')).body.messages as any[];
    return list.find((m) => m.subject === 'Delivered: Quarterly figures');
  }, 'Ann’s receipt');
  const text = String((await ann.client.get(`/api/v1/messages/${receipt.id}/parts/1`)).body);
  assert.match(
    text,
    /delivered to tel:\+4930555100 .*It was sent as a fax of 3 pages to the fax machine "\+49 30 5550 100" on a call of 0:[0-9]{2}\./,
  );
  await eventually(async () => /"msg":"fax sent"/.test(server.output), 'the fax sent log line');
  assert.match(
    server.output,
    /"pages":3,"of":3,"remoteId":"\+49 30 5550 100","status":"OK"[^\n]*"msg":"fax sent"/,
  );
});
