import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { faxPagesOf, pixelDifference, tiffPage } from './fax-fixtures.js';
import { TestFaxReceiver } from './fax-receiver.js';
import { TestFaxSender } from './fax-sender.js';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';

/**
 * Faxes over T.38: the test fax machine (spandsp's T.38 terminal behind a SIP leg of its own)
 * calls Ann's number, re-INVITEs to T.38 once answered and sends over UDPTL. The server takes
 * the offer, receives with its T.38 engine and stores what arrived whole; a garbled stream ends
 * cleanly with the whole pages kept; an offer it cannot take is refused (488) and the fax
 * still arrives over G.711, as it does when T.38 is turned off. Sending, the fax resource
 * follows a receiving machine that re-INVITEs to T.38.
 */
let server: ServerProcess;
let ann: { client: Client; id: string };
let sender: TestFaxSender;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-fax-t38-'));
const document = join(dir, 'document.tif');
const onePage = join(dir, 'one-page.tif');

before(async () => {
  const ps = join(dir, 'document.ps');
  writeFileSync(
    ps,
    `%!PS
/Helvetica findfont 40 scalefont setfont
1 1 3 { /n exch def
  72 720 moveto (Switchboard T.38 test, page ) show n 1 string cvs show
  72 660 moveto (Pack my box with five dozen liquor jugs.) show
  n 120 mul 40 add 250 moveto 150 0 rlineto 0 150 rlineto -150 0 rlineto closepath fill
  showpage } for
`,
  );
  faxPagesOf(ps, document);
  execFileSync('tiffcp', [`${document},1`, onePage]);
  execFileSync('tiffcp', [`${document},1`, join(dir, 'page-2.tif')]);
  execFileSync('tiff2pdf', ['-o', join(dir, 'page-2.pdf'), join(dir, 'page-2.tif')]);
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_FAX_NUMBERS: '+15550009',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['sip:ann@a.test', 'tel:+15550001', 'tel:+15550009'],
  });
  sender = await TestFaxSender.start();
});
after(async () => {
  await sender?.close();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const count = async (client: Client, type: string): Promise<number> =>
  (await client.get(`/api/v1/messages?type=${type}`)).body.messages.length;

/** The newest fax, once there are more than `before`. */
function newFax(client: Client, before: number) {
  return eventually(
    async () => {
      const list = (await client.get('/api/v1/messages?type=fax')).body.messages;
      return list.length > before ? list[0] : undefined;
    },
    'a new fax',
    30_000,
  );
}

/** The server's log since `since`, once a line matches. */
function logged(on: ServerProcess, pattern: RegExp, since = 0): Promise<string> {
  return eventually(
    async () => {
      const log = on.output.slice(since);
      return pattern.test(log) ? log : undefined;
    },
    `a log line matching ${pattern}`,
    30_000,
  );
}

/** The calls a test machine received from the `from`th on, once one of them went through. */
function wentThrough(machine: TestFaxReceiver, from: number) {
  return eventually(async () => {
    const calls = machine.received.slice(from);
    return calls.some((c) => c.outcome.ok) ? calls : undefined;
  }, 'a fax that went through');
}

/** Page `n` of what was received differs from page `of` of the original in under 0.5%. */
async function samePage(received: Buffer, n: number, of: number): Promise<void> {
  const got = await tiffPage(received, n);
  assert.equal(got.width, 1728);
  const d = pixelDifference(await tiffPage(readFileSync(document), of), got);
  assert.ok(d < 0.005, `page ${n + 1} differs from the original in ${(d * 100).toFixed(2)}%`);
}

test('a 3-page fax over T.38 lands in the mailbox: the pages match, the station id, no voicemail', async () => {
  const before = server.output.length;
  const [faxes, voices] = [await count(ann.client, 'fax'), await count(ann.client, 'voice')];
  const sent = await sender.send(`sip:+15550001@127.0.0.1:${server.sipPort}`, document, {
    ident: '+1 555 765 4321',
    from: 'sip:+15557654321@127.0.0.1',
    t38: {},
  });
  assert.equal(sent.t38Refused, undefined, 'the T.38 offer was taken');
  assert.equal(sent.outcome.ok, true, sent.outcome.status);
  assert.equal(sent.outcome.pages, 3);
  assert.equal(sent.outcome.remoteId, '+15550001');
  assert.ok(sent.udptl!.received > 0, 'the server answered over UDPTL');
  assert.equal(sent.udptl!.malformed, 0);

  const fax = await newFax(ann.client, faxes);
  assert.equal(fax.pages, 3);
  assert.equal(fax.from, 'tel:+15557654321');
  assert.equal(fax.subject, 'Fax from +1 555 765 4321');
  const received = (await ann.client.get(`/api/v1/messages/${fax.id}/parts/1`)).body as Buffer;
  for (let n = 0; n < 3; n++) await samePage(received, n, n);
  // Each page differs from the next one, so the comparison tells them apart.
  const other = pixelDifference(
    await tiffPage(readFileSync(document), 1),
    await tiffPage(received, 0),
  );
  assert.ok(other > 0.005, 'page 1 is not page 2');
  const log = await logged(
    server,
    /"pages":3,"remoteId":"\+1 555 765 4321","status":"OK","complete":true[^\n]*"t38":true[^\n]*"msg":"fax stored"/,
    before,
  );
  assert.match(log, /"msg":"fax T\.38 offered"/);
  assert.match(log, /"version":0,[^\n]*"msg":"fax switched to T\.38"/);
  assert.match(log, /"end":"fax detected"[^\n]*"msg":"voicemail discarded"/);
  assert.match(log, /"pages":3,[^\n]*"t38":true[^\n]*"msg":"fax page received"/);
  assert.equal(await count(ann.client, 'voice'), voices, 'no voicemail');
});

test('a T.38 stream that turns to garbage after page 1 is ended by the server: page 1 kept, the fax marked incomplete, the server answering', async () => {
  const before = server.output.length;
  const faxes = await count(ann.client, 'fax');
  const started = Date.now();
  const sent = await sender.send(`sip:+15550009@127.0.0.1:${server.sipPort}`, document, {
    ident: '+1 555 000 0002',
    from: 'sip:+15550002@127.0.0.1',
    // Garbage every 20 ms and in place of each IFP packet, for up to two minutes.
    t38: { garbleAfterPage: 1, garbleForMs: 120_000 },
  });
  assert.equal(sent.hungUpBy, 'remote', 'the server ended the call');
  assert.ok(Date.now() - started < 90_000, `the call took ${Date.now() - started} ms`);
  assert.equal(sent.outcome.pages, 1, sent.outcome.status);
  const fax = await newFax(ann.client, faxes);
  assert.equal(fax.pages, 1);
  assert.match(
    fax.subject,
    /^Fax from \+1 555 000 0002 \(incomplete: the T\.38 stream was garbled .+\)$/,
  );
  const received = (await ann.client.get(`/api/v1/messages/${fax.id}/parts/1`)).body as Buffer;
  await samePage(received, 0, 0);
  const log = await logged(
    server,
    /"pages":1,"remoteId":"\+1 555 000 0002","status":"the T\.38 stream was garbled \(\d+ of \d+ datagrams unusable in 5 s\)","complete":false,"engineFailed":false,"callerHungUp":false[^\n]*"t38":true,"udptl":\{[^}]*"malformed":[1-9][^\n]*"msg":"fax stored"/,
    before,
  );
  assert.match(log, /"msg":"fax T\.38 stream garbled"/);
  assert.doesNotMatch(log, /"pages":2,[^\n]*"msg":"fax page received"/);
  // Still up: the API answers, and so does SIP (the next test's fax).
  assert.equal((await ann.client.get('/api/v1/messages?type=fax')).status, 200);
});

test('a T.38 offer with a version the server does not speak is refused (488) and the fax comes over G.711', async () => {
  const before = server.output.length;
  const faxes = await count(ann.client, 'fax');
  const sent = await sender.send(`sip:+15550001@127.0.0.1:${server.sipPort}`, onePage, {
    ident: '+1 555 000 0003',
    from: 'sip:+15550003@127.0.0.1',
    t38: { version: 7 },
  });
  assert.equal(sent.t38Refused?.status, 488);
  assert.equal(sent.outcome.ok, true, sent.outcome.status);
  const fax = await newFax(ann.client, faxes);
  assert.equal(fax.pages, 1);
  const received = (await ann.client.get(`/api/v1/messages/${fax.id}/parts/1`)).body as Buffer;
  await samePage(received, 0, 1);
  const log = await logged(
    server,
    /"complete":true[^\n]*"t38":false[^\n]*"msg":"fax stored"/,
    before,
  );
  assert.match(log, /"reason":"T38FaxVersion 7 is not supported"[^\n]*"msg":"fax T\.38 refused"/);
  assert.match(log, /"msg":"fax tone heard"/);
});

test('with SWITCHBOARD_FAX_T38=false the offer is refused (488) and the fax comes over G.711', async () => {
  const off = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'b.test',
    SWITCHBOARD_FAX_NUMBERS: '+15550019',
    SWITCHBOARD_FAX_T38: 'false',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  try {
    const bob = await subscriberClient(off, { name: 'Bob', addresses: ['tel:+15550019'] });
    const sent = await sender.send(`sip:+15550019@127.0.0.1:${off.sipPort}`, onePage, {
      ident: '+1 555 000 0004',
      from: 'sip:+15550004@127.0.0.1',
      t38: {},
    });
    assert.equal(sent.t38Refused?.status, 488);
    assert.equal(sent.outcome.ok, true, sent.outcome.status);
    const fax = await newFax(bob.client, 0);
    assert.equal(fax.pages, 1);
    const log = await logged(off, /"complete":true[^\n]*"t38":false[^\n]*"msg":"fax stored"/);
    assert.match(log, /"reason":"T\.38 is turned off"[^\n]*"msg":"fax T\.38 refused"/);
  } finally {
    await off.dispose();
  }
});

test('the fax resource sends to a machine that re-INVITEs to T.38: the pages go over UDPTL', async () => {
  const sending = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'c.test',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
    SWITCHBOARD_DIAL_ALLOWED_PREFIXES: '+4930',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  const machine = await TestFaxReceiver.start(dir, '+49 30 5550 200');
  machine.t38 = true;
  try {
    const admin = new Client(sending.url, ADMIN_TOKEN);
    const carol = await subscriberClient(sending, {
      name: 'Carol',
      addresses: ['tel:+15550005'],
      language: 'en',
    });
    const added = await admin.post('/api/v1/resources', {
      name: 'fax-line',
      type: 'fax',
      messageTypes: ['fax'],
      config: { trunk: `sip:127.0.0.1:${machine.port}`, ringSeconds: 20, ident: '+1 555 0005' },
      channels: 1,
      rates: [{ prefix: '+4930', price: 0.05 }],
      currency: 'EUR',
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const pdf = join(dir, 'page-2.pdf');
    const sent = await carol.client.post('/api/v1/messages', {
      type: 'fax',
      to: ['tel:+4930555200'],
      subject: 'Over T.38',
      attachments: [
        {
          contentType: 'application/pdf',
          filename: 'p.pdf',
          content: readFileSync(pdf).toString('base64'),
        },
      ],
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const messageId = sent.body.copies[0].messageId;
    const delivery = await eventually(
      async () => {
        const [d] = (await admin.get(`/api/v1/deliveries?messageId=${messageId}`)).body.deliveries;
        return d && ['S', 'F', 'E'].includes(d.status) ? d : undefined;
      },
      'the fax delivery to end',
      150_000,
    );
    assert.equal(delivery.status, 'S', JSON.stringify(delivery));
    // The last call is the one that went through (a failed attempt is tried again).
    const fax = (await wentThrough(machine, 0)).at(-1)!;
    assert.deepEqual(fax.t38 && [fax.t38.taken, fax.t38.status], [true, 200]);
    assert.ok(fax.t38!.udptl!.received > 0, 'IFP packets came over UDPTL');
    assert.equal(fax.outcome.ok, true, fax.outcome.status);
    assert.equal(fax.outcome.pages, 2, 'the cover and the page');
    assert.equal(fax.outcome.remoteId, '+1 555 0005');
    // The page after the cover is the document's, as the server's converter makes fax pages.
    const expected = join(dir, 'page-2-expected.tif');
    faxPagesOf(pdf, expected);
    const d = pixelDifference(
      await tiffPage(readFileSync(expected), 0),
      await tiffPage(readFileSync(fax.file), 1),
    );
    assert.ok(d < 0.005, `the page differs from the document in ${(d * 100).toFixed(2)}%`);
    const log = await logged(sending, /"pages":2,"of":2,[^\n]*"msg":"fax sent"/);
    assert.match(log, /"version":0,[^\n]*"msg":"fax switched to T\.38"/);
    assert.match(log, /"pages":2,[^\n]*"t38":true[^\n]*"msg":"fax page sent"/);
  } finally {
    await machine.close();
    await sending.dispose();
  }
});

test('a fax resource with t38: true offers T.38 itself: a machine that refuses (488) gets the fax over G.711, one that takes it over UDPTL', async () => {
  const sending = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'd.test',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
    SWITCHBOARD_DIAL_ALLOWED_PREFIXES: '+4930',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  const machine = await TestFaxReceiver.start(dir, '+49 30 5550 300');
  try {
    const admin = new Client(sending.url, ADMIN_TOKEN);
    const dave = await subscriberClient(sending, {
      name: 'Dave',
      addresses: ['tel:+15550006'],
      language: 'en',
    });
    const added = await admin.post('/api/v1/resources', {
      name: 'fax-t38',
      type: 'fax',
      messageTypes: ['fax'],
      config: { trunk: `sip:127.0.0.1:${machine.port}`, ident: '+1 555 0006', t38: true },
      channels: 1,
      rates: [{ prefix: '+4930', price: 0.05 }],
      currency: 'EUR',
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const refused = await admin.post('/api/v1/resources', {
      name: 'fax-bad-t38',
      type: 'fax',
      config: { t38: 'yes' },
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body.detail, /config\.t38/);
    const send = async (subject: string) => {
      const sent = await dave.client.post('/api/v1/messages', {
        type: 'fax',
        to: ['tel:+4930555300'],
        subject,
        attachments: [
          {
            contentType: 'application/pdf',
            filename: 'p.pdf',
            content: readFileSync(join(dir, 'page-2.pdf')).toString('base64'),
          },
        ],
      });
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      const messageId = sent.body.copies[0].messageId;
      return eventually(
        async () => {
          const [d] = (await admin.get(`/api/v1/deliveries?messageId=${messageId}`)).body
            .deliveries;
          return d && ['S', 'F', 'E'].includes(d.status) ? d : undefined;
        },
        `the delivery of ${subject}`,
        150_000,
      );
    };

    // A G.711 attempt that fails on a loaded machine is tried again: the last call counts.
    machine.takeT38 = false;
    assert.equal((await send('first')).status, 'S');
    const firsts = await wentThrough(machine, 0);
    for (const call of firsts)
      assert.deepEqual(call.t38 && [call.t38.taken, call.t38.status], [false, 488]);
    const first = firsts.at(-1)!;
    assert.equal(first.outcome.ok, true, first.outcome.status);
    assert.equal(first.outcome.pages, 2);
    await logged(sending, /"status":488,[^\n]*"msg":"fax T\.38 not taken"/);

    machine.takeT38 = true;
    assert.equal((await send('second')).status, 'S');
    const seconds = await wentThrough(machine, firsts.length);
    for (const call of seconds)
      assert.deepEqual(call.t38 && [call.t38.taken, call.t38.status], [true, 200]);
    const second = seconds.at(-1)!;
    assert.deepEqual(second.t38 && [second.t38.taken, second.t38.status], [true, 200]);
    assert.ok(second.t38!.udptl!.received > 0, 'IFP packets came over UDPTL');
    assert.equal(second.outcome.ok, true, second.outcome.status);
    assert.equal(second.outcome.pages, 2);
    assert.equal(second.outcome.remoteId, '+1 555 0006');
    assert.match(second.file, /\.t38\.tif$/);
    await logged(sending, /"pages":2,[^\n]*"t38":true[^\n]*"msg":"fax page sent"/);
  } finally {
    await machine.close();
    await sending.dispose();
  }
});
