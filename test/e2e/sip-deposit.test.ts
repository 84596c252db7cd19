import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeToPcm, locate } from './audio-fixtures.js';
import { callSaying } from './baresip-phone.js';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { callerMessage } from './sip-fixtures.js';

/**
 * Leaving a voicemail with a real SIP phone: baresip calls Ann's SIP URI and her number, hears
 * the greeting and the beep, "speaks" an espeak-ng recording and hangs up; a voice message of
 * about that length is in Ann's mailbox and its audio is what baresip played.
 */
let server: ServerProcess;
let ann: { client: Client; id: string };
const dir = mkdtempSync(join(tmpdir(), 'switchboard-deposit-'));
let source: string;
let speech: Int16Array;

before(async () => {
  // Callers speak after the beep: silence while the greeting plays, then the message.
  ({ file: source, speech } = callerMessage(
    dir,
    'spoken',
    'This is Carol calling about the harbour crane. It arrives on Tuesday at nine in the morning. Please call me back.',
    8,
    1,
  ));
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['sip:ann@a.test', 'tel:+15550001'],
  });
});
after(() => server.dispose());

async function deposited(count: number) {
  return eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?type=voice')).body.messages;
    return list.length >= count ? list[0] : undefined;
  }, `voice message ${count}`);
}

test('a call to the subscriber leaves a voice message: the greeting plays, the recording is the caller’s', async () => {
  const out = await callSaying('sip:ann@a.test', { sipPort: server.sipPort, source });
  assert.match(out, /Call with sip:ann@a\.test.* terminated/, out.slice(-1500));
  const message = await deposited(1);
  assert.equal(message.type, 'voice');
  assert.equal(message.from, 'sip:carol@b.test');
  const total = (speech.length / 8000) * 1000 + 9000;
  // Recorded from the beep (after the greeting) to the hang-up.
  assert.ok(
    message.durationMs > speech.length / 8 && message.durationMs < total,
    `durationMs ${message.durationMs}`,
  );
  const wav = await ann.client.get(`/api/v1/messages/${message.id}/parts/1`);
  const recorded = decodeToPcm(wav.body);
  const { r } = locate(decodeToPcm(readFileSync(source)), recorded);
  assert.ok(r > 0.9, `the recording is the caller's audio (r=${r.toFixed(3)})`);
  assert.match(server.output, /voicemail stored/);
});

test('a call to the subscriber’s number over TCP, offering only PCMA, works the same way', async () => {
  const out = await callSaying('sip:+15550001@a.test', {
    sipPort: server.sipPort,
    source,
    transport: 'tcp',
    codec: 'PCMA',
  });
  assert.match(out, /terminated/, out.slice(-1500));
  const message = await deposited(2);
  assert.ok(message.durationMs > speech.length / 8, `durationMs ${message.durationMs}`);
  assert.match(server.output, /"codec":"PCMA"[^\n]*"msg":"voicemail call answered"/);
  const recorded = decodeToPcm(
    (await ann.client.get(`/api/v1/messages/${message.id}/parts/1`)).body,
  );
  const { r } = locate(decodeToPcm(readFileSync(source)), recorded);
  assert.ok(r > 0.9, `A-law both ways keeps the caller's audio (r=${r.toFixed(3)})`);
});

test('a call to nobody gets 404 and stores nothing', async () => {
  const out = await callSaying('sip:nobody@a.test', { sipPort: server.sipPort, source });
  assert.match(out, /404 Not Found/, out.slice(-1500));
});
