import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeToPcm, locate } from './audio-fixtures.js';
import { BaresipPhone } from './baresip-phone.js';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { startForwarder } from './kamailio.js';
import { CallLog, spokenWav } from './sip-fixtures.js';

/**
 * Calls forwarded to voicemail by a switch in front of Switchboard (Debian's Kamailio adding an
 * RFC 5806 Diversion header, as a PBX or carrier does when the phone is busy or not answered):
 * the greeting heard follows the reason, checked in what baresip heard against Ann's two
 * greetings. The same switch, as a trusted trunk on 127.0.0.2, vouches for the caller with
 * P-Asserted-Identity; from an untrusted address the assertion counts for nothing.
 */
let server: ServerProcess;
let log: CallLog;
let ann: { client: Client; id: string };
const dir = mkdtempSync(join(tmpdir(), 'switchboard-forwarded-'));
const greetings: Record<'busy' | 'unavailable', Int16Array> = {
  busy: new Int16Array(0),
  unavailable: new Int16Array(0),
};
const phones: BaresipPhone[] = [];

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_LOG_LEVEL: 'info',
    SWITCHBOARD_SIP_TRUSTED_TRUNKS: '127.0.0.2/32',
  });
  log = new CallLog(server);
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['sip:ann@a.test', 'tel:+15550001'],
  });
  const texts = {
    busy: 'Ann here. I am on the other line right now, so leave me a message please.',
    unavailable: 'Hello, this is Ann. I cannot come to the phone at the moment.',
  };
  for (const kind of ['busy', 'unavailable'] as const) {
    const wav = readFileSync(spokenWav(dir, kind, texts[kind]));
    greetings[kind] = decodeToPcm(wav);
    const res = await fetch(`${server.url}/api/v1/me/greetings/${kind}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ann.client.token}`, 'content-type': 'audio/wav' },
      body: new Uint8Array(wav),
    });
    assert.equal(res.status, 200, await res.text());
  }
});
after(async () => {
  await Promise.all(phones.map((p) => p.stop()));
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Carol calls the voicemail pilot through the switch, hears the greeting and hangs up. */
async function forwardedCall(options: {
  reason: string;
  host?: string;
  assertedIdentity?: string;
}) {
  const forwarder = await startForwarder({
    switchboardPort: server.sipPort,
    diverter: 'sip:ann@a.test',
    ...options,
  });
  try {
    const carol = await BaresipPhone.start({ sipPort: forwarder.port, sipHost: forwarder.host });
    phones.push(carol);
    const call = await carol.dial('sip:voicemail@a.test');
    await carol.waitFor('CALL_ESTABLISHED', (e) => e.id === call);
    // The greeting, the beep, then two seconds of "message" (silence) before hanging up.
    await log.line(call, /"state":"recording"/);
    await new Promise((r) => setTimeout(r, 2000));
    await carol.hangup();
    await carol.waitFor('CALL_CLOSED', (e) => e.id === call);
    await log.line(call, /"msg":"voicemail stored"/);
    const heard = carol.heard();
    // Said when an assertion on the audio fails: how much was heard, and the call's log.
    const context = `heard ${(heard.length / 8000).toFixed(1)} s from ${carol.heardFile()}\n${log.lines(call).join('\n')}`;
    const answered = await log.line(call, /"msg":"voicemail call answered"/);
    return { call, heard, answered, context };
  } finally {
    forwarder.stop();
  }
}

async function newestVoiceMessage() {
  const list = (await ann.client.get('/api/v1/messages?type=voice')).body.messages;
  return list[0];
}

test('a call forwarded with Diversion reason user-busy hears the busy greeting', async () => {
  const { heard, answered, context } = await forwardedCall({ reason: 'user-busy' });
  assert.equal(answered.greeting, 'busy');
  assert.equal(answered.forwarded, 'diversion');
  const busy = locate(heard, greetings.busy);
  const unavailable = locate(heard, greetings.unavailable);
  assert.ok(busy.r > 0.8, `the busy greeting was heard (r=${busy.r.toFixed(3)}); ${context}`);
  assert.ok(
    unavailable.r < busy.r - 0.2,
    `not the unavailable one (r=${unavailable.r.toFixed(3)} against ${busy.r.toFixed(3)})`,
  );
  const message = await newestVoiceMessage();
  assert.equal(message.from, 'sip:carol@b.test', 'an untrusted caller id is shown as given');
});

test('forwarded for no answer, from the trusted trunk: the unavailable greeting, and the caller id is vouched for', async () => {
  const { heard, answered, context } = await forwardedCall({
    reason: 'no-answer',
    host: '127.0.0.2',
    assertedIdentity: 'sip:+15557777@carrier.test',
  });
  assert.equal(answered.greeting, 'unavailable');
  const unavailable = locate(heard, greetings.unavailable);
  const busy = locate(heard, greetings.busy);
  assert.ok(
    unavailable.r > 0.8,
    `the unavailable greeting was heard (r=${unavailable.r.toFixed(3)}); ${context}`,
  );
  assert.ok(busy.r < unavailable.r - 0.2, `not the busy one (r=${busy.r.toFixed(3)})`);
  assert.equal(answered.callerVerified, 'trusted trunk');
  const message = await newestVoiceMessage();
  assert.equal(message.from, 'tel:+15557777', 'the asserted identity, not the From header');
  assert.match(message.authResults, /caller-id=pass reason="trusted trunk"/);
});

test('P-Asserted-Identity from an address that is not a trusted trunk is ignored', async () => {
  const { answered } = await forwardedCall({
    reason: 'no-answer',
    host: '127.0.0.3',
    assertedIdentity: 'sip:+15557777@carrier.test',
  });
  assert.equal(answered.callerVerified, 'as given');
  const message = await newestVoiceMessage();
  assert.equal(message.from, 'sip:carol@b.test');
  assert.match(message.authResults, /caller-id=none/);
});
