import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { callSaying } from './baresip-phone.js';
import { faxPagesOf, pixelDifference, tiffPage } from './fax-fixtures.js';
import { TestFaxSender } from './fax-sender.js';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';

/**
 * Receiving faxes on a subscriber's number: a test fax machine (spandsp sending, on a SIP leg
 * of its own) calls Ann's number while her greeting plays; the server hears its CNG tone, takes
 * the call over as a fax and stores what arrives. The same number called by a phone with speech
 * stays a voicemail; a sender that dies after its first page leaves that page, and says so.
 */
let server: ServerProcess;
let ann: { client: Client; id: string };
let sender: TestFaxSender;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-fax-receive-'));
const document = join(dir, 'document.tif');

/** Three pages that differ in text and in where a black square sits, as a fax TIFF (G3, fine). */
function makeDocument(): void {
  const ps = join(dir, 'document.ps');
  writeFileSync(
    ps,
    `%!PS
/Helvetica findfont 40 scalefont setfont
1 1 3 { /n exch def
  72 720 moveto (Switchboard fax test, page ) show n 1 string cvs show
  72 660 moveto (The quick brown fox jumps over the lazy dog.) show
  n 120 mul 40 add 250 moveto 150 0 rlineto 0 150 rlineto -150 0 rlineto closepath fill
  showpage } for
`,
  );
  faxPagesOf(ps, document);
}

const count = async (type: string): Promise<number> =>
  (await ann.client.get(`/api/v1/messages?type=${type}`)).body.messages.length;

/** The newest fax, once there are more than `before`. */
async function newFax(before: number) {
  return eventually(
    async () => {
      const list = (await ann.client.get('/api/v1/messages?type=fax')).body.messages;
      return list.length > before ? list[0] : undefined;
    },
    'a new fax',
    20_000,
  );
}

/** The server's log since `since`, once a line matches (log lines follow the commits they report). */
function logged(pattern: RegExp, since = 0): Promise<string> {
  return eventually(async () => {
    const log = server.output.slice(since);
    return pattern.test(log) ? log : undefined;
  }, `a log line matching ${pattern}`);
}

before(async () => {
  makeDocument();
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

test('a fax to the subscriber’s number is received: 3 pages that match the originals, the station id, the duration', async () => {
  const [faxesBefore, voicesBefore] = [await count('fax'), await count('voice')];
  const started = Date.now();
  const sent = await sender.send(`sip:+15550001@127.0.0.1:${server.sipPort}`, document, {
    ident: '+1 555 765 4321',
    from: 'sip:+15557654321@127.0.0.1',
  });
  const took = Date.now() - started;
  assert.equal(sent.outcome.ok, true, sent.outcome.status);
  assert.equal(sent.outcome.pages, 3);
  assert.equal(sent.outcome.ecm, true, 'sent with error correction');
  // The receiving side named itself by the number called.
  assert.equal(sent.outcome.remoteId, '+15550001');

  const fax = await newFax(faxesBefore);
  assert.equal(fax.type, 'fax');
  assert.equal(fax.pages, 3);
  assert.equal(fax.from, 'tel:+15557654321');
  assert.equal(fax.subject, 'Fax from +1 555 765 4321');
  assert.ok(
    fax.durationMs > 5000 && fax.durationMs <= took + 1000,
    `durationMs ${fax.durationMs}, the call took ${took} ms`,
  );
  const full = (await ann.client.get(`/api/v1/messages/${fax.id}`)).body;
  assert.match(full.parts[0].contentType, /^image\/tiff/);
  const received = (await ann.client.get(`/api/v1/messages/${fax.id}/parts/1`)).body as Buffer;
  const original = readFileSync(document);
  for (let n = 0; n < 3; n++) {
    const want = await tiffPage(original, n);
    const got = await tiffPage(received, n);
    assert.equal(got.width, 1728);
    const d = pixelDifference(want, got);
    assert.ok(d < 0.005, `page ${n + 1} differs from the original in ${(d * 100).toFixed(2)}%`);
    // ...while the pages differ from each other, so the comparison can tell them apart.
    const other = await tiffPage(original, (n + 1) % 3);
    assert.ok(
      pixelDifference(other, got) > 0.005,
      `page ${n + 1} is not page ${((n + 1) % 3) + 1}`,
    );
  }
  // The media converters show it as pages: PNG of the last page, PDF of all.
  const png = await ann.client.get(`/api/v1/messages/${fax.id}/parts/1?format=image/png;page=3`);
  assert.equal(png.status, 200);
  assert.equal((png.body as Buffer).subarray(1, 4).toString('latin1'), 'PNG');
  const log = await logged(
    /"call":"[^"]+"[^\n]*"msg":"fax tone heard"[\s\S]*"pages":3,"remoteId":"\+1 555 765 4321","status":"OK","complete":true[^\n]*"msg":"fax stored"/,
  );
  assert.match(log, /"end":"fax detected"[^\n]*"msg":"voicemail discarded"/);
  assert.equal(await count('voice'), voicesBefore, 'no voicemail');
});

test('the same number called with speech, no fax tone, still leaves a voicemail', async () => {
  const [faxesBefore, voicesBefore] = [await count('fax'), await count('voice')];
  const spoken = join(dir, 'spoken.wav');
  execFileSync('espeak-ng', [
    '-w',
    join(dir, 'raw.wav'),
    'Hello Ann, this is Carol. I tried to send you a fax, but here is a voice message instead.',
  ]);
  execFileSync('sox', [join(dir, 'raw.wav'), '-r', '8000', '-c', '1', '-b', '16', spoken]);
  // Speaking over the greeting (while fax tones are listened for), then after the beep.
  const first = join(dir, 'first.wav');
  const source = join(dir, 'caller.wav');
  execFileSync('sox', [spoken, first, 'pad', '0', '9', 'trim', '0', '9']);
  execFileSync('sox', [first, spoken, source]);
  const before = server.output.length;
  const out = await callSaying('sip:+15550001@a.test', { sipPort: server.sipPort, source });
  assert.match(out, /terminated/, out.slice(-1500));
  const voice = await eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?type=voice')).body.messages;
    return list.length > voicesBefore ? list[0] : undefined;
  }, 'the voicemail');
  assert.equal(voice.type, 'voice');
  assert.ok(voice.durationMs > 2000, `durationMs ${voice.durationMs}`);
  const log = await logged(/"msg":"voicemail stored"/, before);
  assert.doesNotMatch(log, /fax tone heard/);
  assert.equal(await count('fax'), faxesBefore, 'no fax');
});

test('a sender that dies in the middle of page 2 ends the call cleanly; the whole page 1 is kept and the fax says it is incomplete', async () => {
  const before = server.output.length;
  const faxesBefore = await count('fax');
  const sent = await sender.send(`sip:+15550001@127.0.0.1:${server.sipPort}`, document, {
    ident: '+1 555 000 0002',
    from: 'sip:+15550002@127.0.0.1',
    // A page takes about 8 s at 14,400 bit/s with its training: 4 s in, page 2 is on its way.
    onPage: (p, session) => {
      if (p.pages === 1) setTimeout(() => process.kill(session.pid!, 'SIGKILL'), 4000);
    },
  });
  assert.equal(sent.outcome.engineFailed, true);
  assert.equal(sent.outcome.pages, 1);
  const fax = await newFax(faxesBefore);
  assert.equal(fax.pages, 1);
  assert.match(fax.subject, /^Fax from \+1 555 000 0002 \(incomplete: .+\)$/);
  const received = (await ann.client.get(`/api/v1/messages/${fax.id}/parts/1`)).body as Buffer;
  const d = pixelDifference(await tiffPage(readFileSync(document), 0), await tiffPage(received, 0));
  assert.ok(d < 0.005, `page 1 differs from the original in ${(d * 100).toFixed(2)}%`);
  const log = await logged(
    /"pages":1,"remoteId":"\+1 555 000 0002","status":"[^"]+","complete":false,"engineFailed":false,"callerHungUp":true[^\n]*"msg":"fax stored"/,
    before,
  );
  assert.match(log, /"pages":1,[^\n]*"msg":"fax page received"/);
  assert.doesNotMatch(log, /"pages":2,[^\n]*"msg":"fax page received"/);
  // The server is still up and answering.
  assert.equal((await ann.client.get('/api/v1/messages?type=fax')).status, 200);
});

test('a dedicated fax number takes the fax at once: no greeting, no listening for the tone', async () => {
  const before = server.output.length;
  const faxesBefore = await count('fax');
  const onePage = join(dir, 'one-page.tif');
  execFileSync('tiffcp', [`${document},2`, onePage]);
  const sent = await sender.send(`sip:+15550009@127.0.0.1:${server.sipPort}`, onePage, {
    ident: '+1 555 000 0003',
    from: 'sip:+15550003@127.0.0.1',
  });
  assert.equal(sent.outcome.ok, true, sent.outcome.status);
  assert.equal(sent.outcome.remoteId, '+15550009');
  const fax = await newFax(faxesBefore);
  assert.equal(fax.pages, 1);
  const received = (await ann.client.get(`/api/v1/messages/${fax.id}/parts/1`)).body as Buffer;
  const d = pixelDifference(await tiffPage(readFileSync(document), 2), await tiffPage(received, 0));
  assert.ok(d < 0.005, `the page differs from page 3 of the original in ${(d * 100).toFixed(2)}%`);
  const log = await logged(/"complete":true[^\n]*"msg":"fax stored"/, before);
  assert.match(log, /"msg":"fax call answered"/);
  assert.doesNotMatch(log, /voicemail call state|fax tone heard|voicemail discarded/);
});

test('a fax number that is not a number stops the start with the setting’s name', async () => {
  const refused = await ServerProcess.start({ SWITCHBOARD_FAX_NUMBERS: '+15550009,fax-line' }).then(
    (s) => s.dispose().then(() => null),
    (err: Error) => err.message,
  );
  assert.match(
    refused ?? 'it started',
    /SWITCHBOARD_FAX_NUMBERS: "fax-line" is not an E\.164 number/,
  );
});
