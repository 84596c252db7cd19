import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chirp, decodeToPcm, locate, wavOf } from './audio-fixtures.js';
import { BaresipPhone } from './baresip-phone.js';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { CallLog } from './sip-fixtures.js';

/**
 * The scripted phone (baresip driven through ctrl_tcp) against Switchboard's voicemail: keys
 * pressed at chosen moments, hang-up on command, what it heard recorded, the microphone switched
 * mid-call; and, phone to phone, incoming calls and the digits they receive.
 */
let server: ServerProcess;
/** The server's log by call: the Call-ID is baresip's call id. */
let log: CallLog;
let ann: { client: Client; id: string };
const phones: BaresipPhone[] = [];
const dir = mkdtempSync(join(tmpdir(), 'switchboard-phone-test-'));
const SECRET = 'phone-secret-1';

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  log = new CallLog(server);
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['sip:ann@a.test'],
    sipSecret: SECRET,
  });
});
after(async () => {
  await Promise.all(phones.map((p) => p.stop()));
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(options: Parameters<typeof BaresipPhone.start>[0]) {
  const started = await BaresipPhone.start(options);
  phones.push(started);
  return started;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Power at `hz` over a frame's whole energy: near 1 for a pure tone at that frequency. */
function toneShare(frame: Int16Array, hz: number, rate = 8000): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of frame) {
    const s = x + k * s1 - s2;
    s2 = s1;
    s1 = s;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return energy ? power / ((frame.length / 2) * energy) : 0;
}

/** 20 ms frames of `pcm`: loud ones, and which of those are a 1 kHz tone. */
function frames(pcm: Int16Array) {
  const out: Array<{ loud: boolean; tone: boolean }> = [];
  for (let i = 0; i + 160 <= pcm.length; i += 160) {
    const frame = pcm.subarray(i, i + 160);
    let energy = 0;
    for (const x of frame) energy += x * x;
    const loud = Math.sqrt(energy / 160) > 300;
    out.push({ loud, tone: loud && toneShare(frame, 1000) > 0.8 });
  }
  return out;
}

test('# pressed while recording ends it; 1 in the review menu sends it and Switchboard hangs up', async () => {
  const carol = await phone({ sipPort: server.sipPort });
  const call = await carol.dial('sip:ann@a.test');
  await carol.waitFor('CALL_ESTABLISHED', (e) => e.id === call);
  // The greeting (about 5 s) and the beep are over: the key ends the recording.
  await sleep(7000);
  await carol.sendDigits('#');
  await log.line(call, /"state":"review"/);
  await carol.sendDigits('1');
  const closed = await carol.waitFor('CALL_CLOSED', (e) => e.id === call, 15_000);
  // Closed by the other side's BYE (after "sent, goodbye"), not by the phone.
  assert.equal(closed.param, 'Connection reset by peer');
  const line = await log.line(call, /voicemail stored/);
  assert.equal(line.end, 'saved');
  assert.match(carol.output, /audio: send DTMF digit: '#'/);
});

test('a hang-up on command stores the message; the phone heard the greeting, then the beep', async () => {
  const before = (await ann.client.get('/api/v1/messages?type=voice')).body.messages.length;
  const speech = join(dir, 'chirp.wav');
  writeFileSync(speech, wavOf(chirp(2)));
  const carol = await phone({ sipPort: server.sipPort });
  const call = await carol.dial('sip:ann@a.test');
  await carol.waitFor('CALL_ESTABLISHED', (e) => e.id === call);
  await sleep(6500);
  // After the beep the caller "speaks": the microphone switches from silence to the chirp.
  await carol.play(speech);
  await sleep(3500);
  await carol.hangup();
  const closed = await carol.waitFor('CALL_CLOSED', (e) => e.id === call, 5000);
  assert.equal(closed.param, 'Connection reset by user');
  const line = await log.line(call, /voicemail stored/);
  assert.equal(line.end, 'caller-hung-up');

  const message = await eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?type=voice')).body.messages;
    return list.length > before ? list[0] : undefined;
  }, 'the voice message');
  assert.equal(message.from, 'sip:carol@b.test');
  assert.ok(message.durationMs > 3000 && message.durationMs < 6000, `${message.durationMs}`);
  const recorded = decodeToPcm(
    (await ann.client.get(`/api/v1/messages/${message.id}/parts/1`)).body,
  );
  const { r } = locate(recorded, chirp(2));
  assert.ok(r > 0.9, `the message holds what the switched microphone played (r=${r})`);

  assert.ok(carol.heardFile()?.endsWith('-dec.wav'), carol.heardFile());
  const heard = frames(carol.heard());
  // The longest run of 1 kHz frames is the beep: half a second (25 frames, one more or less
  // where it straddles frame edges).
  let best = { start: 0, length: 0 };
  for (let i = 0, run = 0; i < heard.length; i++) {
    run = heard[i]!.tone ? run + 1 : 0;
    if (run > best.length) best = { start: i - run + 1, length: run };
  }
  assert.ok(best.length >= 23 && best.length <= 26, `beep of ${best.length} frames`);
  // Before it, the greeting: seconds of speech, none of it the tone.
  const greeting = heard.slice(0, best.start);
  const spoken = greeting.filter((f) => f.loud && !f.tone).length;
  assert.ok(spoken > 100, `${spoken} frames of greeting before the beep`);
  // Right after the greeting: no long silence between its last word and the beep.
  const lastWord = greeting.map((f) => f.loud).lastIndexOf(true);
  assert.ok(best.start - lastWord < 50, `beep ${(best.start - lastWord) * 20} ms after speech`);
});

test('a phone with the subscriber’s SIP secret registers', async () => {
  const phoneOfAnn = await phone({
    user: 'ann',
    domain: 'a.test',
    secret: SECRET,
    sipPort: server.sipPort,
  });
  const ok = await phoneOfAnn.waitFor('REGISTER_OK');
  assert.equal(ok.accountaor, 'sip:ann@a.test');
});

test('phone to phone: auto-answer, a manual answer, and the digits the far end receives', async () => {
  const bob = await phone({ from: 'sip:bob@c.test', autoAnswer: true });
  const dan = await phone({ from: 'sip:dan@d.test' });
  const call = await dan.dial(bob.contact);
  // Auto-answered calls give no CALL_INCOMING, only CALL_ESTABLISHED.
  const answered = await bob.waitFor('CALL_ESTABLISHED', (e) => e.direction === 'incoming');
  assert.equal(answered.id, call);
  await dan.waitFor('CALL_ESTABLISHED', (e) => e.id === call);
  await dan.sendDigits('1#*', 250);
  const digits = [];
  for (let i = 0; i < 3; i++) digits.push((await bob.waitFor('CALL_DTMF_START')).param);
  assert.deepEqual(digits, ['1', '#', '*']);
  await dan.hangup();
  await bob.waitFor('CALL_CLOSED', (e) => e.id === call);
  await assert.rejects(dan.sendDigits('2'), /no call/);

  const eve = await phone({ from: 'sip:eve@e.test' });
  const second = await dan.dial(eve.contact);
  const ringing = await eve.waitFor('CALL_INCOMING');
  assert.equal(ringing.peeruri, 'sip:dan@d.test');
  await eve.answer();
  await dan.waitFor('CALL_ESTABLISHED', (e) => e.id === second);
  await eve.hangup();
  const closed = await dan.waitFor('CALL_CLOSED', (e) => e.id === second);
  assert.equal(closed.param, 'Connection reset by peer');
});
