import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeToPcm, locate } from './audio-fixtures.js';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { linphoneCall } from './linphone.js';
import { eventually } from './receiver.js';
import { callerMessage } from './sip-fixtures.js';

/**
 * Interoperability with a second, independent SIP implementation: Debian's linphonec
 * (liblinphone, belle-sip, mediastreamer2) leaves voicemails the way baresip does in
 * sip-deposit.test.ts. It calls Ann's SIP URI through Switchboard as its outbound proxy with
 * its whole default codec list, and her number directly offering only PCMA, skipping the
 * greeting with a key and ending with # (so Switchboard hangs up); each time the voice message
 * holds what linphonec played, and linphonec itself saw the call connect, heard the greeting and
 * the beep, and saw it end. A call to nobody fails with 404. About 30 s, mostly the calls.
 */
let server: ServerProcess;
let ann: { client: Client; id: string };
const dir = mkdtempSync(join(tmpdir(), 'switchboard-linphone-test-'));

let long: { file: string; speech: Int16Array };
let short: { file: string; speech: Int16Array };

before(async () => {
  long = callerMessage(
    dir,
    'long',
    'This is Carol calling about the harbour crane. It arrives on Tuesday. Please call me back.',
    7,
  );
  short = callerMessage(dir, 'short', 'Carol again. The crane is late, call me.', 2);
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['sip:ann@a.test', 'tel:+15550001'],
  });
});
after(async () => {
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function deposited(count: number) {
  return eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?type=voice')).body.messages;
    return list.length >= count ? list[0] : undefined;
  }, `voice message ${count}`);
}

async function recordingOf(message: { id: string }): Promise<Int16Array> {
  return decodeToPcm((await ann.client.get(`/api/v1/messages/${message.id}/parts/1`)).body);
}

/** The media line of linphonec's offer: the first SDP in its log. */
function offer(log: string): string {
  return /^m=audio .*?(?=\r?$)/m.exec(log)?.[0] ?? '(no offer in the log)';
}

/** Switchboard's beep as sent: 1 kHz for half a second. */
function beepTone(): Int16Array {
  const tone = new Int16Array(4000);
  for (let i = 0; i < tone.length; i++)
    tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  return tone;
}

/**
 * What linphonec heard: the greeting (sound before the beep), then the beep; `greeting` is
 * where the beep may be, in seconds from the answer: after the whole greeting, or as soon as
 * a key cut it short.
 */
function checkHeard(heard: Buffer | null, greeting: [number, number]): void {
  assert.ok(heard, 'linphonec recorded what it heard');
  const pcm = decodeToPcm(heard);
  const beep = locate(pcm, beepTone());
  assert.ok(beep.r > 0.9, `linphonec heard the beep (r=${beep.r.toFixed(3)})`);
  const at = beep.offset / 8000;
  assert.ok(at > greeting[0] && at < greeting[1], `the beep came at ${at.toFixed(2)} s`);
  let energy = 0;
  for (let i = 0; i < beep.offset; i++) energy += pcm[i]! * pcm[i]!;
  const rms = Math.sqrt(energy / beep.offset);
  assert.ok(rms > 300, `linphonec heard the greeting before it (rms ${rms.toFixed(0)})`);
}

test('linphonec calls the subscriber’s SIP URI through Switchboard, speaks after the beep and hangs up: a voice message with its audio', async () => {
  const seconds = long.speech.length / 8000 + 7 + 0.5;
  const call = await linphoneCall({
    uri: 'sip:ann@a.test',
    proxy: true,
    sipPort: server.sipPort,
    source: long.file,
    seconds,
  });
  const tail = `${call.output.slice(-1500)}\n${server.output.slice(-1500)}`;
  assert.match(call.output, /Call \d+ with sip:ann@a\.test connected\./, tail);
  assert.match(call.output, /Media streams established with sip:ann@a\.test .*\(audio\)/, tail);
  assert.match(call.output, /terminate\s+Call \d+ with sip:ann@a\.test ended \(No error\)/, tail);
  // linphonec's own offer (Opus, Speex, G.729 and more) came down to one of Switchboard's.
  assert.match(offer(call.log), /^m=audio \d+ RTP\/AVP 96 97 98 0 8 /);
  assert.match(server.output, /"codec":"PCMU"[^\n]*"msg":"voicemail call answered"/);
  checkHeard(call.heard, [2, 7]);

  const message = await deposited(1);
  assert.equal(message.type, 'voice');
  assert.equal(message.from, 'sip:carol@b.test');
  // Recorded from the beep (after the greeting) to the hang-up.
  const speechMs = (long.speech.length / 8000) * 1000;
  assert.ok(
    message.durationMs > speechMs && message.durationMs < seconds * 1000,
    `durationMs ${message.durationMs}`,
  );
  const { r } = locate(decodeToPcm(readFileSync(long.file)), await recordingOf(message));
  assert.ok(r > 0.98, `the recording is what linphonec played (r=${r.toFixed(3)})`);
  assert.match(server.output, /"end":"caller-hung-up".*"msg":"voicemail stored"/);
});

test('linphonec calls the number directly offering only PCMA, skips the greeting with a key, ends with # and sends with 1: Switchboard hangs up, the message is kept', async () => {
  const uri = `sip:+15550001@127.0.0.1:${server.sipPort}`;
  const call = await linphoneCall({
    uri,
    sipPort: server.sipPort,
    source: short.file,
    // A key skips the greeting; the beep follows at once, and the message after it.
    keys: [{ at: 0.5, key: '1' }],
    seconds: short.speech.length / 8000 + 2 + 0.3,
    codecs: ['PCMA'],
    end: 'pound',
  });
  const tail = `${call.output.slice(-1500)}\n${server.output.slice(-1500)}`;
  const who = uri.replace(/[.+]/g, '\\$&');
  assert.match(call.output, new RegExp(`Call \\d+ with ${who} connected\\.`), tail);
  // Ended by Switchboard's BYE after # and 1, before linphonec was told to hang up.
  assert.match(
    call.output,
    new RegExp(
      `1\\s+(linphonec> )?Call \\d+ with ${who} ended \\(No error\\)[\\s\\S]*terminate\\s+No active calls`,
    ),
    tail,
  );
  assert.match(offer(call.log), /^m=audio \d+ RTP\/AVP 8 \d+$/);
  assert.match(server.output, /"codec":"PCMA"[^\n]*"msg":"voicemail call answered"/);
  assert.match(server.output, /"end":"saved".*"msg":"voicemail stored"/);
  checkHeard(call.heard, [0.3, 1.5]);

  const message = await deposited(2);
  assert.equal(message.from, 'sip:carol@b.test');
  const speechMs = (short.speech.length / 8000) * 1000;
  assert.ok(
    message.durationMs > speechMs && message.durationMs < speechMs + 2000,
    `durationMs ${message.durationMs}`,
  );
  const { r } = locate(decodeToPcm(readFileSync(short.file)), await recordingOf(message));
  assert.ok(r > 0.98, `A-law both ways keeps linphonec's audio (r=${r.toFixed(3)})`);
});

test('linphonec calling nobody gets 404 and sees the call fail', async () => {
  const call = await linphoneCall({
    uri: 'sip:nobody@a.test',
    proxy: true,
    sipPort: server.sipPort,
    source: short.file,
    seconds: 1,
  });
  assert.match(call.output, /Call \d+ with sip:nobody@a\.test error\./, call.output.slice(-1500));
  assert.match(call.log, /^SIP\/2\.0 404 Not Found\r?$/m);
  assert.equal((await ann.client.get('/api/v1/messages?type=voice')).body.messages.length, 2);
});
