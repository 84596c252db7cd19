import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { faxPagesOf } from './fax-fixtures.js';
import { TestFaxSender } from './fax-sender.js';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';

/**
 * A caller sending silence: to a dedicated fax number, T.30 gives up after its retries and we
 * hang up with the reason logged, keeping nothing; to the subscriber's ordinary number, the
 * voicemail's silence detection ends the recording and the empty message is discarded. Either
 * way the caller gets a BYE in bounded time and the next fax goes through.
 */
let server: ServerProcess;
let ann: { client: Client; id: string };
let caller: TestFaxSender;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-fax-silence-'));
const page = join(dir, 'page.tif');

const count = async (type: string): Promise<number> =>
  (await ann.client.get(`/api/v1/messages?type=${type}`)).body.messages.length;

/** The server's log since `since`, once a line matches. */
function logged(pattern: RegExp, since: number): Promise<string> {
  return eventually(async () => {
    const log = server.output.slice(since);
    return pattern.test(log) ? log : undefined;
  }, `a log line matching ${pattern}`);
}

before(async () => {
  const ps = join(dir, 'page.ps');
  writeFileSync(
    ps,
    `%!PS
/Helvetica findfont 40 scalefont setfont
72 720 moveto (The fax after the silence) show
showpage
`,
  );
  faxPagesOf(ps, page);
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_FAX_NUMBERS: '+15550009',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['tel:+15550001', 'tel:+15550009'],
  });
  caller = await TestFaxSender.start();
});

after(async () => {
  await caller?.close();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('silence to a fax number: T.30 gives up, we hang up, the reason is logged, nothing is kept; the next fax goes through', async () => {
  const since = server.output.length;
  const [faxes, voices] = [await count('fax'), await count('voice')];
  const heard = await caller.sendSilence(`sip:+15550009@127.0.0.1:${server.sipPort}`, {
    from: 'sip:+15557654321@127.0.0.1',
    maxMs: 120_000,
  });
  assert.equal(heard.hungUpBy, 'remote', 'the server hung up (BYE)');
  // spandsp sends DIS three times, 3 s apart after its CED, then gives up.
  assert.ok(heard.ms < 60_000, `the call lasted ${heard.ms} ms`);
  assert.ok(heard.framesWithSound > 100, 'the caller heard our fax tones (CED, DIS)');
  const log = await logged(/"msg":"fax received no pages"/, since);
  assert.match(
    log,
    /"reason":"no fax machine answered our fax tones: [^"]+","pages":0,"remoteId":"","status":"[^"]+","complete":false,"engineFailed":false,"callerHungUp":false[^\n]*"msg":"fax received no pages"/,
  );
  assert.equal(await count('fax'), faxes, 'no fax stored');
  assert.equal(await count('voice'), voices, 'no voicemail either');
  assert.deepEqual(
    readdirSync(join(server.dataDir, 'recordings')).filter((f) => f.endsWith('.tif')),
    [],
    'no fax file left behind',
  );

  const sent = await caller.sendWhole(`sip:+15550009@127.0.0.1:${server.sipPort}`, page, {
    ident: '+1 555 000 0004',
    from: 'sip:+15550004@127.0.0.1',
  });
  assert.equal(sent.outcome.ok, true, sent.outcome.status);
  const fax = await eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?type=fax')).body.messages as any[];
    return list.find((m) => m.subject === 'Fax from +1 555 000 0004');
  }, 'the next fax');
  assert.equal(fax.pages, 1);
  assert.equal(fax.subject, 'Fax from +1 555 000 0004');
});

test('silence to the ordinary number: no fax tone, the voicemail hears only silence, discards it and hangs up', async () => {
  const since = server.output.length;
  const [faxes, voices] = [await count('fax'), await count('voice')];
  const heard = await caller.sendSilence(`sip:+15550001@127.0.0.1:${server.sipPort}`, {
    from: 'sip:+15557654321@127.0.0.1',
    maxMs: 150_000,
  });
  assert.equal(heard.hungUpBy, 'remote', 'the server hung up (BYE)');
  // Greeting, silence ending the recording, "I did not hear a message", goodbye: no review menu.
  assert.ok(heard.ms < 60_000, `the call lasted ${heard.ms} ms`);
  const log = await logged(/"msg":"voicemail discarded"/, since);
  assert.match(log, /"state":"nothing-recorded"[^\n]*"msg":"voicemail call state"/);
  assert.doesNotMatch(log, /"state":"review"/);
  assert.match(log, /"durationMs":0,[^\n]*"msg":"voicemail discarded"/);
  assert.doesNotMatch(log, /fax tone heard|fax call started/);
  assert.equal(await count('voice'), voices, 'no voicemail stored');
  assert.equal(await count('fax'), faxes, 'no fax stored');
});
