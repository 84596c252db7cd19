import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeToPcm, dtmfTones, locate, wavFile } from './audio-fixtures.js';
import { BaresipPhone } from './baresip-phone.js';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { CallLog, spokenWav } from './sip-fixtures.js';

/**
 * Calling in to one's mailbox with a real phone (baresip, keys over ctrl_tcp, or as tones in the
 * audio): the mailbox number and PIN, 1 plays the newest message (what baresip heard is the
 * stored recording), 7 deletes it and the registered phone's light goes out, 9 saves to a
 * folder, an email is read aloud, three wrong PINs lock the mailbox, and the subscriber's own
 * phone needs no PIN.
 */
let server: ServerProcess;
let log: CallLog;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };
const phones: BaresipPhone[] = [];
const dir = mkdtempSync(join(tmpdir(), 'switchboard-mailbox-test-'));
const ANN_SECRET = 'ann-phone-secret';
let speech: Buffer;
/** Ann's phone PIN (one test changes it by phone). */
let annPin = '4321';

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_LOG_LEVEL: 'info',
    SWITCHBOARD_PIN_MAX_FAILURES: '3',
    SWITCHBOARD_PIN_LOCKOUT_SECONDS: '600',
  });
  log = new CallLog(server);
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['sip:ann@a.test', 'tel:+15550001'],
    sipSecret: ANN_SECRET,
    pin: '4321',
  });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['sip:bob@a.test'] });
  // Cid's mailbox is the one the wrong PINs lock.
  await subscriberClient(server, {
    name: 'Cid',
    addresses: ['tel:+15550003'],
    pin: '9999',
  });
  const spoken = spokenWav(
    dir,
    's',
    'Hello Ann, this is Bob. The crane arrives on Tuesday at nine. Call me back please.',
  );
  speech = readFileSync(spoken);
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

async function voiceMessageForAnn(from: { client: Client }) {
  const sent = await from.client.post('/api/v1/messages', {
    to: ['tel:+15550001'],
    type: 'voice',
    subject: 'about the crane',
    attachments: [
      { filename: 'bob.wav', contentType: 'audio/wav', content: speech.toString('base64') },
    ],
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  return sent.body.copies.find((c: any) => c.address === 'tel:+15550001').messageId as string;
}

/** Dials the voicemail number and logs in as Ann with keys sent as RFC 4733 events. */
async function login(caller: BaresipPhone, pin = annPin): Promise<string> {
  const call = await caller.dial('sip:voicemail@a.test');
  await log.reached(call, 'ask-mailbox');
  await caller.sendDigits('15550001#', 250);
  await log.reached(call, 'ask-pin');
  await caller.sendDigits(`${pin}#`, 250);
  return call;
}

test('log in with the PIN, 1 plays the message (what the phone heard is the recording), 7 deletes it and the light goes out', async () => {
  const anns = await phone({
    user: 'ann',
    domain: 'a.test',
    secret: ANN_SECRET,
    modules: ['mwi.so'],
  });
  await anns.waitFor('REGISTER_OK');
  const id = await voiceMessageForAnn(bob);
  await anns.waitFor('MWI_NOTIFY', (e) => /Voice-Message: 1\/0/.test(String(e.param)), 20_000);

  const carol = await phone();
  const call = await login(carol);
  await log.reached(call, 'main');
  await carol.sendDigits('1');
  await log.reached(call, 'message-menu');
  const heard = locate(carol.heard(), decodeToPcm(speech));
  assert.ok(heard.r > 0.8, `the phone heard the stored recording (r=${heard.r.toFixed(3)})`);
  // Listened to: it counts as old now.
  await anns.waitFor('MWI_NOTIFY', (e) => /Voice-Message: 0\/1/.test(String(e.param)), 20_000);
  await carol.sendDigits('7');
  await log.reached(call, 'no-more');
  await anns.waitFor('MWI_NOTIFY', (e) => /Messages-Waiting: no/.test(String(e.param)), 20_000);
  const message = await ann.client.get(`/api/v1/messages/${id}`);
  assert.equal(message.body.folder, 'trash');
  await log.reached(call, 'main', { times: 2 });
  await carol.sendDigits('#');
  const closed = await carol.waitFor('CALL_CLOSED', (e) => e.id === call, 15_000);
  assert.equal(closed.param, 'Connection reset by peer', 'the mailbox said goodbye and hung up');
});

test('9 then 1 saves the message to the saved folder', async () => {
  const id = await voiceMessageForAnn(bob);
  const carol = await phone();
  const call = await login(carol);
  await log.reached(call, 'main');
  await carol.sendDigits('1');
  await log.reached(call, 'play');
  await carol.sendDigits('9');
  await log.reached(call, 'save');
  await carol.sendDigits('1');
  await log.reached(call, 'save-saved');
  await eventually(
    async () =>
      (await ann.client.get(`/api/v1/messages/${id}`)).body.folder === 'saved' || undefined,
    'the message in saved',
  );
  await carol.hangup();
});

test('an email is read aloud: what the phone heard is the text spoken by the media service', async () => {
  const text = 'The quarterly figures are ready. Please look at the third table before Friday.';
  const sent = await bob.client.post('/api/v1/messages', {
    to: ['tel:+15550001'],
    type: 'email',
    subject: 'figures',
    text,
  });
  assert.equal(sent.status, 201);
  const id = sent.body.copies.find((c: any) => c.address === 'tel:+15550001').messageId;
  const carol = await phone();
  const call = await login(carol);
  await log.reached(call, 'main');
  await carol.sendDigits('1');
  await log.reached(call, 'message-menu', { timeoutMs: 60_000 });
  await carol.hangup();
  // The same text through the media service's text-to-speech, as any client can ask for it.
  const spoken = await ann.client.get(`/api/v1/messages/${id}/parts/1?format=audio/wav;rate=8000`);
  assert.equal(spoken.status, 200);
  const { r } = locate(carol.heard(), decodeToPcm(spoken.body));
  assert.ok(r > 0.8, `the email was read aloud (r=${r.toFixed(3)})`);
});

test('keys as tones in the audio (no RFC 4733) log in and play too', async () => {
  const tones = (keys: string) =>
    wavFile(dir, `tones-${keys.replace(/\W/g, '_')}.wav`, dtmfTones(keys, { gapMs: 120 }));
  const carol = await phone();
  const call = await carol.dial('sip:voicemail@a.test');
  await log.reached(call, 'ask-mailbox');
  await carol.play(tones('15550001#'));
  await log.reached(call, 'ask-pin');
  await carol.play(tones('4321#'));
  await log.reached(call, 'main');
  await carol.play(tones('1'));
  await log.reached(call, 'play');
  assert.doesNotMatch(carol.output, /send DTMF digit/, 'no RFC 4733 events were sent');
  await carol.hangup();
});

test('three wrong PINs end the call and lock the mailbox for a while, even against the right PIN', async () => {
  const carol = await phone();
  const call = await carol.dial('sip:voicemail@a.test');
  for (let i = 1; i <= 3; i++) {
    await log.reached(call, 'ask-mailbox', { times: i });
    await carol.sendDigits('15550003#', 250);
    await log.reached(call, 'ask-pin', { times: i });
    await carol.sendDigits('1111#', 250);
  }
  await log.reached(call, 'too-many-attempts');
  const closed = await carol.waitFor('CALL_CLOSED', (e) => e.id === call, 20_000);
  assert.equal(closed.param, 'Connection reset by peer');

  const again = await phone();
  const second = await again.dial('sip:voicemail@a.test');
  await log.reached(second, 'ask-mailbox');
  await again.sendDigits('15550003#', 250);
  await log.reached(second, 'ask-pin');
  await again.sendDigits('9999#', 250);
  await log.reached(second, 'locked');
  assert.ok(!log.states(second).includes('main'), 'the right PIN does not open a locked mailbox');
  assert.match(server.output, /"result":"locked"/);
});

test('Ann’s own registered phone reaches her mailbox without a PIN', async () => {
  const anns = await phone({ user: 'ann', domain: 'a.test', secret: ANN_SECRET });
  await anns.waitFor('REGISTER_OK');
  const call = await anns.dial('sip:voicemail@a.test');
  await log.reached(call, 'main');
  assert.ok(!log.states(call).includes('ask-pin'));
  await anns.sendDigits('#');
  await anns.waitFor('CALL_CLOSED', (e) => e.id === call, 15_000);
});

test('8 forwards a message to another subscriber, with a spoken comment in front', async () => {
  // The message to forward is the first one played: the inbox holds only it.
  const inbox = (await ann.client.get('/api/v1/messages?folder=inbox')).body.messages as any[];
  for (const m of inbox) await ann.client.patch(`/api/v1/messages/${m.id}`, { folder: 'archive' });
  await voiceMessageForAnn(bob);
  const dora = await subscriberClient(server, { name: 'Dora', addresses: ['tel:+15550004'] });
  const carol = await phone();
  const call = await login(carol);
  await log.reached(call, 'main');
  await carol.sendDigits('1');
  await log.reached(call, 'play');
  await carol.sendDigits('8');
  await log.reached(call, 'forward');
  await carol.sendDigits('15550004#', 250);
  await log.reached(call, 'forward-how');
  await carol.sendDigits('1');
  await log.reached(call, 'forward-comment');
  const comment = new Int16Array(12000);
  for (let i = 0; i < comment.length; i++)
    comment[i] = Math.round(9000 * Math.sin((2 * Math.PI * 523 * i) / 8000) * Math.sin(i / 700));
  const commentFile = wavFile(dir, 'comment.wav', comment);
  await carol.play(commentFile);
  await eventually(async () => carol.heard().length > 0 || undefined, 'audio');
  await new Promise((r) => setTimeout(r, 2200));
  await carol.sendDigits('#');
  await log.reached(call, 'forward-with-comment');
  const forwarded = await eventually(async () => {
    const list = (await dora.client.get('/api/v1/messages?type=voice')).body.messages;
    return list[0];
  }, 'the forwarded message in Dora’s mailbox');
  assert.equal(forwarded.from, 'sip:ann@a.test', 'from Ann, who forwarded it');
  assert.match(forwarded.subject, /^Fwd: about the crane/);
  const audio = decodeToPcm(
    (await dora.client.get(`/api/v1/messages/${forwarded.id}/parts/1`)).body,
  );
  assert.ok(locate(audio, comment).r > 0.8, 'the comment is in front');
  assert.ok(locate(audio, decodeToPcm(speech)).r > 0.8, 'the message follows it');
  await carol.hangup();
});

test('0 then 1 records the unavailable greeting by phone; 0 then 4 changes the PIN', async () => {
  const carol = await phone();
  const call = await login(carol);
  await log.reached(call, 'main');
  await carol.sendDigits('0');
  await log.reached(call, 'options');
  await carol.sendDigits('1');
  await log.reached(call, 'record-greeting');
  const greeting = new Int16Array(16000);
  for (let i = 0; i < greeting.length; i++)
    greeting[i] = Math.round(9000 * Math.sin((2 * Math.PI * (300 + i / 40) * i) / 8000));
  const file = wavFile(dir, 'greeting.wav', greeting);
  await new Promise((r) => setTimeout(r, 3500));
  await carol.play(file);
  await new Promise((r) => setTimeout(r, 2500));
  await carol.sendDigits('#');
  await log.reached(call, 'greeting-review');
  await carol.sendDigits('1');
  await log.reached(call, 'options', { times: 2 });
  const saved = await ann.client.get('/api/v1/me/greetings/unavailable?format=slin');
  assert.equal(saved.status, 200);
  const { r } = locate(decodeToPcm(saved.body), greeting);
  assert.ok(r > 0.8, `the greeting is what was said (r=${r.toFixed(3)})`);

  await carol.sendDigits('4');
  await log.reached(call, 'new-pin');
  await carol.sendDigits('8642#', 250);
  await log.reached(call, 'new-pin-again');
  await carol.sendDigits('8642#', 250);
  await log.reached(call, 'set-pin');
  await log.reached(call, 'options', { times: 3 });
  await carol.hangup();
  const again = await phone();
  const second = await login(again, '8642');
  await log.reached(second, 'main');
  annPin = '8642';
  await again.hangup();
});

test('a fax is announced with its sender and pages; 3 then 4 sends it on to the subscriber’s email', async () => {
  const inbox = (await ann.client.get('/api/v1/messages?folder=inbox')).body.messages as any[];
  for (const m of inbox) await ann.client.patch(`/api/v1/messages/${m.id}`, { folder: 'archive' });
  await ann.client.patch('/api/v1/me', {
    notificationPreferences: { email: 'ann@mail.example' },
  });
  const ps = join(dir, 'doc.ps');
  writeFileSync(
    ps,
    '%!PS\n/Helvetica findfont 30 scalefont setfont\n72 700 moveto (First page) show showpage\n72 700 moveto (Second page) show showpage\n',
  );
  execFileSync('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=tiffg3',
    '-r204x196',
    '-g1728x2292',
    `-sOutputFile=${join(dir, 'fax.tif')}`,
    ps,
  ]);
  const sent = await bob.client.post('/api/v1/messages', {
    to: ['tel:+15550001'],
    type: 'fax',
    attachments: [
      {
        filename: 'fax.tif',
        contentType: 'image/tiff',
        content: readFileSync(join(dir, 'fax.tif')).toString('base64'),
      },
    ],
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const carol = await phone();
  const call = await login(carol);
  await log.reached(call, 'main');
  await carol.sendDigits('1');
  await log.reached(call, 'message-menu');
  // What was said: "Message 1. A fax from ..., 2 pages." (spoken by the media service too).
  assert.match(server.output, /"msg":"mailbox call state"/);
  await carol.sendDigits('3');
  await log.reached(call, 'advanced');
  await carol.sendDigits('4');
  await log.reached(call, 'fax-sent');
  await carol.hangup();
  const line = server.output.split('\n').find((l) => l.includes('"msg":"fax sent on by phone"'));
  assert.ok(line, 'logged');
  assert.equal(JSON.parse(line!).to, 'email');
  const copy = await eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?folder=sent')).body.messages as any[];
    return list.find((m) => m.type === 'fax');
  }, 'the fax in Ann’s sent folder');
  assert.deepEqual(copy.to, ['mailto:ann@mail.example']);
  assert.equal(copy.pages, 2);
});

test('3 then 1 records a reply that reaches the sender', async () => {
  const inbox = (await ann.client.get('/api/v1/messages?folder=inbox')).body.messages as any[];
  for (const m of inbox) await ann.client.patch(`/api/v1/messages/${m.id}`, { folder: 'archive' });
  await voiceMessageForAnn(bob);
  const carol = await phone();
  const call = await login(carol);
  await log.reached(call, 'main');
  await carol.sendDigits('1');
  await log.reached(call, 'play');
  await carol.sendDigits('3');
  await log.reached(call, 'advanced');
  await carol.sendDigits('1');
  await log.reached(call, 'reply');
  const reply = new Int16Array(16000);
  for (let i = 0; i < reply.length; i++)
    reply[i] = Math.round(9000 * Math.sin((2 * Math.PI * 660 * i) / 8000) * Math.sin(i / 500));
  const file = wavFile(dir, 'reply.wav', reply);
  await new Promise((r) => setTimeout(r, 2500));
  await carol.play(file);
  await new Promise((r) => setTimeout(r, 2500));
  await carol.sendDigits('#');
  await log.reached(call, 'reply-send');
  const got = await eventually(async () => {
    const list = (await bob.client.get('/api/v1/messages?type=voice&folder=inbox')).body
      .messages as any[];
    return list.find((m) => /^Re: about the crane/.test(m.subject ?? ''));
  }, 'the reply in Bob’s inbox');
  assert.equal(got.from, 'sip:ann@a.test');
  const audio = decodeToPcm((await bob.client.get(`/api/v1/messages/${got.id}/parts/1`)).body);
  assert.ok(locate(audio, reply).r > 0.8, 'the reply is what was said');
  await carol.hangup();
});
