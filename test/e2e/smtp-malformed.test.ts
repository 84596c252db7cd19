import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { SmtpClient, type Reply } from './smtp-client.js';

/**
 * Malformed MIME over SMTP: each case is either refused with a 5xx reply that says what was
 * wrong, or stored as well as it can be read; either way the same process keeps serving.
 * The guard's header limit is raised to 2 MiB here so that one case gets past it and meets
 * mailparser's own limit (1 MiB of header per MIME node) instead.
 */

const run = promisify(execFile);
const CRLF = '\r\n';
const dir = mkdtempSync(join(tmpdir(), 'switchboard-malformed-'));
let server: ServerProcess;
let bob: { client: Client; id: string };
let pid: number;

function head(subject: string, extra = ''): string {
  return (
    `From: carol@elsewhere.test${CRLF}To: bob@example.test${CRLF}Subject: ${subject}${CRLF}` +
    `MIME-Version: 1.0${CRLF}${extra}`
  );
}

async function sendRaw(message: string): Promise<Reply> {
  const { client, greeting } = await SmtpClient.open(server.smtpPort);
  assert.equal(greeting.code, 220);
  await client.command('EHLO client.test');
  const reply = await client.send('carol@elsewhere.test', ['bob@example.test'], message);
  await client.quit();
  return reply;
}

/** swaks with the whole message from a file (`--data`), as a real client sends it. */
async function swaksData(name: string, message: string): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, message, 'latin1');
  try {
    const { stdout } = await run('swaks', [
      ...['--server', `127.0.0.1:${server.smtpPort}`, '--helo', 'client.test'],
      ...['--from', 'carol@elsewhere.test', '--to', 'bob@example.test'],
      ...['--data', file, '--suppress-data', '--timeout', '30'],
    ]);
    return stdout;
  } catch (err) {
    return (err as { stdout: string }).stdout;
  }
}

async function inbox(): Promise<any[]> {
  return (await bob.client.get('/api/v1/messages?limit=500')).body.messages;
}

/** The server that took the bad mail still takes good mail, from the same process. */
async function stillServing(): Promise<void> {
  const subject = `normal ${Date.now()} ${Math.random()}`;
  const ok = await sendRaw(`${head(subject)}${CRLF}just a normal mail${CRLF}`);
  assert.equal(ok.code, 250, ok.text);
  assert.ok(
    (await inbox()).some((m) => m.subject === subject),
    'the normal mail is stored',
  );
  assert.deepEqual((await new Client(server.url).get('/healthz')).body, { status: 'ok' });
  assert.equal(server.child!.exitCode, null, 'the process is still running');
  assert.equal(server.child!.pid, pid, 'and it is the same process');
}

/** Resident memory of the server process now (VmRSS) or at its peak so far (VmHWM), Linux. */
function rssMb(field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) / 1024;
}

/** Sends `message`, expects a refusal with this code and text, and nothing stored. */
async function refused(message: string, code: number, text: RegExp): Promise<void> {
  const before = (await inbox()).length;
  const reply = await sendRaw(message);
  assert.equal(reply.code, code, reply.text);
  assert.match(reply.text, text);
  assert.equal((await inbox()).length, before, 'nothing stored');
  await stillServing();
}

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'example.test',
    SWITCHBOARD_SMTP_MAX_HEADER_BYTES: '2m',
  });
  pid = server.child!.pid!;
  bob = await subscriberClient(server, {
    name: 'Bob',
    addresses: ['mailto:bob@example.test'],
    quotaBytes: null,
  });
});
after(() => server.dispose());

test('broken boundaries: stored as mailparser reads them, nothing lost from the readable part', async () => {
  const message =
    head('broken boundary', `Content-Type: multipart/mixed; boundary="abc"${CRLF}${CRLF}`) +
    `--abd${CRLF}Content-Type: text/plain${CRLF}${CRLF}not the boundary${CRLF}` +
    `--abc${CRLF}Content-Type: text/plain${CRLF}${CRLF}second part, never closed${CRLF}`;
  const out = await swaksData('broken.eml', message);
  assert.match(out, /<- {2}250 .*Message stored/, out);
  const mail = (await inbox()).find((m) => m.subject === 'broken boundary');
  assert.ok(mail, 'stored');
  const text = await bob.client.get(`/api/v1/messages/${mail.id}/parts/${mail.parts[0].index}`);
  assert.match(text.body.toString(), /second part, never closed/);

  const noBoundary = await sendRaw(
    head('no boundary parameter', `Content-Type: multipart/mixed${CRLF}${CRLF}`) +
      `--x${CRLF}${CRLF}text${CRLF}--x--${CRLF}`,
  );
  assert.equal(noBoundary.code, 250, noBoundary.text);
  await stillServing();
});

test('bad base64: stored, the attachment holds what could be decoded', async () => {
  const message =
    head('bad base64', `Content-Type: multipart/mixed; boundary="b"${CRLF}${CRLF}`) +
    `--b${CRLF}Content-Type: text/plain${CRLF}${CRLF}see attachment${CRLF}` +
    `--b${CRLF}Content-Type: application/octet-stream${CRLF}Content-Transfer-Encoding: base64${CRLF}` +
    `Content-Disposition: attachment; filename="x.bin"${CRLF}${CRLF}` +
    `!!!!@@@@#### not base64 ===== ==a=b=c${CRLF}QUJD${CRLF}*${CRLF}--b--${CRLF}`;
  const out = await swaksData('base64.eml', message);
  assert.match(out, /<- {2}250 .*Message stored/, out);
  const mail = (await inbox()).find((m) => m.subject === 'bad base64');
  const part = mail.parts.find((p: any) => p.filename === 'x.bin');
  assert.ok(part, 'the attachment is a part');
  const bytes = (await bob.client.get(`/api/v1/messages/${mail.id}/parts/${part.index}`)).body;
  assert.ok(bytes.length < 40, `garbage decodes to a few bytes, not more (${bytes.length})`);
  await stillServing();
});

test('header bomb, one huge header line: 552 5.3.4 before parsing', async () => {
  const line = `X-Bomb: ${'a'.repeat(3 * 1024 * 1024)}${CRLF}`;
  const out = await swaksData('long-header.eml', head('long header', line) + CRLF + 'body' + CRLF);
  assert.match(out, /<\*\* +552 5\.3\.4 a header section is larger than 2097152 bytes/, out);
  await stillServing();
});

test('header bomb, very many header fields, also in a part: 552 5.3.4', async () => {
  const fields = Array.from({ length: 50_000 }, (_, i) => `X-H${i}: v${CRLF}`).join('');
  await refused(
    head('many fields', fields) + CRLF + 'body' + CRLF,
    552,
    /^5\.3\.4 a header section has more than 1000 fields$/,
  );
  await refused(
    head('many part fields', `Content-Type: multipart/mixed; boundary="p"${CRLF}${CRLF}`) +
      `--p${CRLF}${fields}${CRLF}text${CRLF}--p--${CRLF}`,
    552,
    /^5\.3\.4 a header section has more than 1000 fields$/,
  );
});

test("a header under the guard's limit but over mailparser's own: 554 5.6.0, not a retry", async () => {
  const folded = `X-Folded: a${`${CRLF} ${'b'.repeat(70)}`.repeat(20_000)}${CRLF}`;
  await refused(
    head('parser limit', folded) + CRLF + 'body' + CRLF,
    554,
    /^5\.6\.0 the message is beyond the MIME parser's limits: Max header size/,
  );
});

test('10,000 parts: 554 5.6.0 while streaming', async () => {
  const parts = Array.from(
    { length: 10_000 },
    (_, i) => `--p${CRLF}Content-Type: text/plain${CRLF}${CRLF}part ${i}${CRLF}`,
  ).join('');
  await refused(
    head('ten thousand', `Content-Type: multipart/mixed; boundary="p"${CRLF}${CRLF}`) +
      parts +
      `--p--${CRLF}`,
    554,
    /^5\.6\.0 the message has more than 500 MIME parts$/,
  );
});

test('150 parts pass the guard and meet intake: 550 5.6.0', async () => {
  const parts = Array.from(
    { length: 150 },
    (_, i) =>
      `--p${CRLF}Content-Type: application/octet-stream${CRLF}` +
      `Content-Disposition: attachment; filename="a${i}.bin"${CRLF}${CRLF}part ${i}${CRLF}`,
  ).join('');
  await refused(
    head('hundred fifty', `Content-Type: multipart/mixed; boundary="p"${CRLF}${CRLF}`) +
      parts +
      `--p--${CRLF}`,
    550,
    /^5\.6\.0 a message may have at most 100 parts$/,
  );
});

test('600 levels of multipart, and 600 embedded messages: 554 5.6.0', async () => {
  const levels = 600;
  let nested = head('deep', `Content-Type: multipart/mixed; boundary="d0"${CRLF}${CRLF}`);
  for (let i = 1; i < levels; i++)
    nested += `--d${i - 1}${CRLF}Content-Type: multipart/mixed; boundary="d${i}"${CRLF}${CRLF}`;
  nested += `--d${levels - 1}${CRLF}Content-Type: text/plain${CRLF}${CRLF}deep${CRLF}`;
  for (let i = levels - 1; i >= 0; i--) nested += `--d${i}--${CRLF}`;
  await refused(nested, 554, /^5\.6\.0 MIME parts are nested more than 100 levels deep$/);

  const embedded = head('embedded', `Content-Type: message/rfc822${CRLF}${CRLF}`.repeat(levels));
  await refused(
    embedded + CRLF + 'x' + CRLF,
    554,
    /^5\.6\.0 MIME parts are nested more than 100 levels deep$/,
  );
});

test('far past the size limit: 552 5.3.4, and the bytes past the limit are not kept', async () => {
  // 120 MB against the default 25 MiB; were it buffered, the server would grow by about that.
  const line = `${'x'.repeat(998)}${CRLF}`;
  const before = rssMb('VmRSS');
  let highest = before;
  const sampler = setInterval(() => (highest = Math.max(highest, rssMb('VmRSS'))), 10);
  try {
    await refused(
      head('oversize') + CRLF + line.repeat(120_000),
      552,
      /^5\.3\.4 the message is larger than 26214400 bytes$/,
    );
  } finally {
    clearInterval(sampler);
  }
  assert.ok(highest - before < 60, `grew by ${(highest - before).toFixed(0)} MB`);
});

test('after all of it: the same process, memory within bounds, the refusals logged', async () => {
  await stillServing();
  const peak = rssMb('VmHWM');
  assert.ok(peak < 400, `peak resident memory ${peak.toFixed(0)} MB`);
  assert.match(server.output, /"limit":"maxDepth".*mail refused: MIME structure/);
  assert.match(server.output, /"limit":"maxParts"/);
  assert.match(server.output, /"limit":"maxHeaderFields"/);
});
