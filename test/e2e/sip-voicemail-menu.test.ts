import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chirp, concat, decodeToPcm, dtmfTones, locate, wavFile } from './audio-fixtures.js';
import { BaresipPhone } from './baresip-phone.js';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { CallLog } from './sip-fixtures.js';

/**
 * The caller's side of leaving a message, with baresip pressing keys: the review menu (2 listen,
 * 3 record again, 4 urgent, 1 send), silence ending a recording, in-band DTMF, a full mailbox, 0
 * leaving to reception by REFER, a subscriber's own phone proving who calls, and a dynamic
 * mailbox made for a number in an owned range.
 */
let server: ServerProcess;
let log: CallLog;
let bob: { client: Client; id: string };
let reception: { client: Client; id: string };
const phones: BaresipPhone[] = [];
const dir = mkdtempSync(join(tmpdir(), 'switchboard-menu-test-'));
const ANN_SECRET = 'ann-phone-secret';

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_LOG_LEVEL: 'info',
    SWITCHBOARD_VOICEMAIL_SILENCE_SECONDS: '3',
    SWITCHBOARD_VOICEMAIL_ZERO_DESTINATION: 'sip:reception@a.test',
    SWITCHBOARD_DYNAMIC_MAILBOXES: 'true',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
  });
  log = new CallLog(server);
  await subscriberClient(server, {
    name: 'Ann',
    addresses: ['sip:ann@a.test', 'tel:+15550001'],
    sipSecret: ANN_SECRET,
  });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['sip:bob@a.test'] });
  reception = await subscriberClient(server, {
    name: 'Reception',
    addresses: ['sip:reception@a.test'],
  });
});
after(async () => {
  await Promise.all(phones.map((p) => p.stop()));
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(options: Parameters<typeof BaresipPhone.start>[0] = {}) {
  const started = await BaresipPhone.start({ sipPort: server.sipPort, ...options });
  phones.push(started);
  return started;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function messagesOf(who: { client: Client }) {
  return (await who.client.get('/api/v1/messages?type=voice')).body.messages as any[];
}

async function recordingOf(who: { client: Client }, id: string): Promise<Int16Array> {
  return decodeToPcm((await who.client.get(`/api/v1/messages/${id}/parts/1`)).body);
}

/** Dials, waits for the beep to end (the recording state), and gives the call id. */
async function reachRecording(caller: BaresipPhone, uri: string): Promise<string> {
  const call = await caller.dial(uri);
  await caller.waitFor('CALL_ESTABLISHED', (e) => e.id === call);
  await log.line(call, /"state":"recording"/);
  return call;
}

test('review menu: 2 plays the message back, 4 marks it urgent, 1 sends it and the system hangs up', async () => {
  const before = (await messagesOf(bob)).length;
  const carol = await phone();
  const call = await reachRecording(carol, 'sip:bob@a.test');
  await carol.play(wavFile(dir, 'speech.wav', chirp(2)));
  await sleep(2600);
  await carol.play(null);
  await carol.sendDigits('#');
  await log.line(call, /"state":"review"/);
  await carol.sendDigits('2');
  await log.line(call, /"state":"listen"/);
  // Listening ends by itself (the menu comes back), then 4 and 1.
  await log.reached(call, 'review', { times: 2, kind: 'voicemail' });
  await carol.sendDigits('4');
  await log.reached(call, 'review', { times: 3, kind: 'voicemail' });
  await carol.sendDigits('1');
  const closed = await carol.waitFor('CALL_CLOSED', (e) => e.id === call, 20_000);
  assert.equal(closed.param, 'Connection reset by peer', 'Switchboard hung up after "goodbye"');
  const stored = await log.line(call, /"msg":"voicemail stored"/);
  assert.equal(stored.end, 'saved');
  assert.equal(stored.urgent, true);
  assert.deepEqual(log.states(call, 'voicemail'), [
    'greeting',
    'beep',
    'recording',
    'review',
    'listen',
    'review',
    'urgent',
    'review',
    'save',
  ]);
  const list = await messagesOf(bob);
  assert.equal(list.length, before + 1);
  assert.equal(list[0].urgent, true);
  const { r } = locate(await recordingOf(bob, list[0].id), chirp(2));
  assert.ok(r > 0.9, `the message is what Carol said (r=${r.toFixed(3)})`);
  // What Carol heard after pressing 2 holds her own message played back.
  const heard = carol.heard();
  const playback = locate(heard, chirp(2));
  assert.ok(playback.r > 0.8, `the message was played back to her (r=${playback.r.toFixed(3)})`);
});

test('3 records again: only the second recording is kept', async () => {
  const first = concat(dtmfTones('5', { ms: 1 }), chirp(2));
  const second = new Int16Array(16000);
  for (let i = 0; i < second.length; i++)
    second[i] = Math.round(9000 * Math.sin((2 * Math.PI * 440 * i) / 8000) * Math.sin(i / 900));
  const carol = await phone();
  const call = await reachRecording(carol, 'sip:bob@a.test');
  await carol.play(wavFile(dir, 'first.wav', first));
  await sleep(2500);
  await carol.sendDigits('#');
  await log.line(call, /"state":"review"/);
  await carol.sendDigits('3');
  await log.reached(call, 'recording', { times: 2, kind: 'voicemail' });
  await carol.play(wavFile(dir, 'second.wav', second));
  await sleep(2500);
  await carol.hangup();
  const stored = await log.line(call, /"msg":"voicemail stored"/);
  assert.equal(stored.end, 'caller-hung-up', 'hanging up while recording keeps the message');
  const [message] = await messagesOf(bob);
  const recorded = await recordingOf(bob, message.id);
  const kept = locate(recorded, second);
  const dropped = locate(recorded, chirp(2));
  assert.ok(kept.r > 0.9, `the second recording is kept (r=${kept.r.toFixed(3)})`);
  assert.ok(dropped.r < 0.5, `the first is gone (r=${dropped.r.toFixed(3)})`);
});

test('silence ends the recording (trimmed off), and in-band tones work the menu', async () => {
  const carol = await phone();
  const call = await reachRecording(carol, 'sip:bob@a.test');
  await carol.play(wavFile(dir, 'short.wav', chirp(2)));
  // Three seconds of silence after the chirp end the recording without a key.
  await log.line(call, /"state":"review"/, 15_000);
  // Keys as tones in the audio, not RFC 4733 events: 4 (urgent), then 1 (send).
  await carol.play(wavFile(dir, 'key4.wav', concat(new Int16Array(800), dtmfTones('4'))));
  await log.reached(call, 'urgent', { kind: 'voicemail' });
  await log.reached(call, 'review', { times: 2, kind: 'voicemail' });
  await carol.play(wavFile(dir, 'key1.wav', concat(new Int16Array(800), dtmfTones('1'))));
  const stored = await log.line(call, /"msg":"voicemail stored"/);
  assert.equal(stored.end, 'saved');
  assert.equal(stored.urgent, true);
  // The chirp and little more: the three seconds of silence were cut.
  assert.ok(
    stored.durationMs > 1800 && stored.durationMs < 2800,
    `durationMs ${stored.durationMs}`,
  );
  assert.doesNotMatch(carol.output, /send DTMF digit/, 'no RFC 4733 events were sent');
});

test('a full mailbox says so, records nothing and hangs up', async () => {
  const admin = new Client(server.url, ADMIN_TOKEN);
  const full = await subscriberClient(server, { name: 'Dora', addresses: ['sip:dora@a.test'] });
  const set = await admin.patch(`/api/v1/subscribers/${full.id}`, { quotaMessages: 0 });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  // The directory caches subscribers for a few seconds.
  await sleep(5500);
  const carol = await phone();
  const call = await carol.dial('sip:dora@a.test');
  const answered = await log.line(call, /"msg":"voicemail call answered"/);
  assert.equal(answered.full, true);
  const closed = await carol.waitFor('CALL_CLOSED', (e) => e.id === call, 20_000);
  assert.equal(closed.param, 'Connection reset by peer');
  assert.deepEqual(log.states(call, 'voicemail'), ['mailbox-full']);
  await log.line(call, /"msg":"voicemail discarded"/);
  assert.equal((await messagesOf(full)).length, 0);
});

test('0 during the greeting leaves to reception: the caller’s phone is transferred by REFER', async () => {
  const carol = await phone();
  const call = await carol.dial('sip:ann@a.test');
  await log.line(call, /"state":"greeting"/);
  await sleep(1000);
  await carol.sendDigits('0');
  await log.line(call, /"msg":"voicemail caller transferred"/);
  // baresip places the new call itself, to reception, through Switchboard.
  const next = await eventually(
    async () =>
      server.output
        .split('\n')
        .find(
          (l) =>
            l.includes('"msg":"voicemail call answered"') &&
            l.includes(`"mailbox":"${reception.id}"`),
        ),
    'the transferred call reaching reception',
  );
  assert.match(next, /"caller":"sip:carol@b.test"/);
  const closed = await carol.waitFor('CALL_CLOSED', (e) => e.id === call, 10_000);
  assert.equal(closed.param, 'Connection reset by peer', 'Switchboard left the first call');
  assert.ok(!log.states(call, 'voicemail').includes('recording'), 'nothing was recorded for Ann');
  await carol.hangup();
});

test('a call from Ann’s own phone is challenged, proven and shown as verified; claiming Ann without the secret is refused', async () => {
  const anns = await phone({ user: 'ann', domain: 'a.test', secret: ANN_SECRET });
  await anns.waitFor('REGISTER_OK');
  const call = await reachRecording(anns, 'sip:bob@a.test');
  await anns.play(wavFile(dir, 'ann.wav', chirp(2)));
  await sleep(2500);
  await anns.hangup();
  const answered = await log.line(call, /"msg":"voicemail call answered"/);
  assert.equal(answered.callerVerified, 'registered phone');
  await log.line(call, /"msg":"voicemail stored"/);
  const [message] = await messagesOf(bob);
  assert.equal(message.from, 'sip:ann@a.test');
  assert.match(message.authResults, /caller-id=pass reason="registered phone"/);

  const impostor = await phone({ from: 'sip:ann@a.test' });
  const forged = await impostor.dial('sip:bob@a.test');
  const closed = await impostor.waitFor('CALL_CLOSED', (e) => e.id === forged);
  assert.match(closed.param ?? '', /407|403/);
});

test('a message left by phone lights Ann’s registered phone: NOTIFY with Messages-Waiting: yes', async () => {
  const anns = await phone({
    user: 'ann',
    domain: 'a.test',
    secret: ANN_SECRET,
    modules: ['mwi.so'],
  });
  await anns.waitFor('REGISTER_OK');
  // The subscription's first NOTIFY: nothing waiting yet.
  const first = await anns.waitFor('MWI_NOTIFY', undefined, 20_000);
  assert.match(String(first.param), /Messages-Waiting: no/);
  const carol = await phone();
  const call = await reachRecording(carol, 'sip:ann@a.test');
  await carol.play(wavFile(dir, 'for-ann.wav', chirp(2)));
  await sleep(2500);
  await carol.hangup();
  await log.line(call, /"msg":"voicemail stored"/);
  const lit = await anns.waitFor(
    'MWI_NOTIFY',
    (e) => /Messages-Waiting: yes/.test(String(e.param)),
    20_000,
  );
  assert.match(String(lit.param), /Voice-Message: 1\/0 \(0\/0\)/);
});

test('a call to an unknown number in an owned range makes a mailbox for it (dynamic mailboxes)', async () => {
  const carol = await phone();
  const call = await reachRecording(carol, 'sip:+15554444@a.test');
  await carol.play(wavFile(dir, 'dyn.wav', chirp(2)));
  await sleep(2500);
  await carol.hangup();
  await log.line(call, /"msg":"voicemail stored"/);
  const admin = new Client(server.url, ADMIN_TOKEN);
  const created = (await admin.get('/api/v1/subscribers')).body.subscribers.find((s: any) =>
    s.addresses.includes('tel:+15554444'),
  );
  assert.ok(created, 'the mailbox was made');
  assert.equal(created.dynamic, true);
  assert.equal(created.messageCount, 1);
});

test('the calls show in /metrics: outcomes, RTP packets, none up now', async () => {
  const metrics = (await new Client(server.url).get('/metrics')).body.toString();
  const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1] ?? NaN);
  assert.ok(value(/switchboard_voicemail_calls_total\{outcome="stored"\} (\d+)/) >= 5, metrics);
  assert.ok(value(/switchboard_voicemail_calls_total\{outcome="discarded"\} (\d+)/) >= 1);
  assert.ok(value(/switchboard_rtp_packets_total\{kind="received"\} (\d+)/) > 500);
  const perCall = server.output
    .split('\n')
    .filter((l) => /"lost":[1-9]/.test(l))
    .join('\n');
  assert.equal(value(/switchboard_rtp_packets_total\{kind="lost"\} (\d+)/), 0, perCall);
  await eventually(
    async () =>
      value(/switchboard_sip_calls_active (\d+)/) === 0 ||
      /switchboard_sip_calls_active 0/.test(
        (await new Client(server.url).get('/metrics')).body.toString(),
      ) ||
      undefined,
    'no calls up',
  );
});
