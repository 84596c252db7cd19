import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { chirp, correlation, decodeToPcm, wavOf } from './audio-fixtures.js';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { MailSink } from './mail-sink.js';
import { eventually } from './receiver.js';
import { swaks } from './swaks.js';

/**
 * Voice over email: voicemail-to-email notices with the recording attached, and VPIM v2 to and
 * from a peer voicemail system (here a mail sink the test reads, then feeds back over SMTP).
 */
let server: ServerProcess;
let sink: MailSink;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };
const original = chirp(3);
const dir = mkdtempSync(join(tmpdir(), 'switchboard-vpim-'));

before(async () => {
  sink = await MailSink.start();
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_VPIM_DOMAINS: 'vm.peer.test',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
  });
  const admin = new Client(server.url, ADMIN_TOKEN);
  const resource = await admin.post('/api/v1/resources', {
    name: 'smarthost',
    type: 'smtp',
    config: { host: '127.0.0.1', port: sink.port },
    rates: [{ prefix: 'mailto:', price: 0 }],
    channels: 2,
  });
  assert.equal(resource.status, 201, JSON.stringify(resource.body));
  ann = await subscriberClient(server, {
    name: 'Ann Example',
    addresses: ['mailto:ann@a.test', 'tel:+15550001'],
  });
  bob = await subscriberClient(server, {
    name: 'Bob',
    addresses: ['mailto:bob@a.test'],
    notificationPreferences: {
      rules: [{ messageType: 'voice', channels: ['email'] }],
      email: 'bob@home.test',
    },
  });
});
after(async () => {
  await server.dispose();
  await sink.close();
});

const sendVoice = (to: string, subject: string) =>
  ann.client.post('/api/v1/messages', {
    to: [to],
    type: 'voice',
    subject,
    attachments: [
      {
        filename: 'hello.wav',
        contentType: 'audio/wav',
        content: wavOf(original).toString('base64'),
      },
    ],
  });

test('voicemail-to-email: the notice names the caller and length and carries the audio as MP3', async () => {
  const sent = await sendVoice('mailto:bob@a.test', 'Call me back');
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const mail = await eventually(async () => sink.find('bob@home.test'), 'the notice mail');
  const parsed = await simpleParser(mail.raw);
  assert.match(parsed.subject ?? '', /New voice message from ann@a\.test \(0:03\)/);
  assert.match(parsed.text ?? '', /Length: 0:03/);
  assert.match(parsed.text ?? '', /Received: /);
  // The notice's web link opens the message without signing in.
  const link = /Open it: (\S+)/.exec(parsed.text ?? '')?.[1];
  assert.ok(link, parsed.text);
  assert.equal((await fetch(link)).status, 200);
  assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
  const mp3 = parsed.attachments.find((a) => a.contentType === 'audio/mpeg');
  assert.ok(mp3, `attachments: ${parsed.attachments.map((a) => a.contentType).join(', ')}`);
  assert.match(mp3.filename ?? '', /^voice-message-.*\.mp3$/);
  const heard = decodeToPcm(mp3.content);
  assert.ok(Math.abs(heard.length - original.length) < 2000, `${heard.length} samples`);
  assert.ok(correlation(original, heard) > 0.8, 'the MP3 is the recording');
});

test('VPIM round trip: out as valid VPIM v2 with G.726-32 audio, back in as a voice message', async () => {
  const sent = await sendVoice('mailto:mike@vm.peer.test', 'Quarterly numbers');
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const mail = await eventually(async () => sink.find('mike@vm.peer.test'), 'the VPIM mail');
  const raw = mail.raw.toString('latin1');
  assert.match(raw, /^MIME-Version: 1\.0 \(Voice 2\.0\)\r$/m);
  const parsed = await simpleParser(mail.raw);
  const type = parsed.headers.get('content-type') as { value: string; params: { version: string } };
  assert.equal(type.value, 'multipart/voice-message');
  assert.equal(type.params.version, '2.0');
  const voice = parsed.attachments.find(
    (a) =>
      (a.headers.get('content-disposition') as { params?: { voice?: string } }).params?.voice ===
      'Voice-Message',
  );
  assert.ok(voice, 'a Voice-Message part');
  assert.equal(voice.contentType, 'audio/32kadpcm');
  assert.equal(voice.contentDisposition, 'inline');
  assert.equal(voice.headers.get('content-duration'), '3');
  assert.equal(voice.content.length, 12_000, '3 s of G.726-32 is 12,000 bytes');
  // RFC 3802 packing: little-endian code words, which ffmpeg reads as g726le.
  const decoded = decodeToPcm(voice.content, ['-f', 'g726le', '-code_size', '4', '-ar', '8000']);
  const r = correlation(original, decoded);
  assert.ok(r > 0.99, `correlation ${r.toFixed(4)}`);
  // Read as big-endian, the same bytes are a distorted copy: the packing really is little-endian.
  const wrong = decodeToPcm(voice.content, ['-f', 'g726', '-code_size', '4', '-ar', '8000']);
  const rWrong = correlation(original, wrong);
  assert.ok(rWrong < r - 0.1, `big-endian ${rWrong.toFixed(4)} vs little-endian ${r.toFixed(4)}`);
  const name = parsed.attachments.find(
    (a) =>
      (a.headers.get('content-disposition') as { params?: { voice?: string } }).params?.voice ===
      'Originator-Spoken-Name',
  );
  assert.ok(name && name.content.length > 1000, 'the sender’s name, spoken');
  const card = parsed.attachments.find((a) => a.contentType === 'text/directory');
  assert.match(
    card?.content.toString('utf8') ?? '',
    /FN:Ann Example[\s\S]*TEL;TYPE=VOICE:\+15550001/,
  );

  // The peer's message, fed back in over SMTP to a local subscriber.
  const file = join(dir, 'vpim.eml');
  writeFileSync(file, mail.raw);
  const back = await swaks(server.smtpPort, [
    '--from',
    'mike@vm.peer.test',
    '--to',
    'bob@a.test',
    '--data',
    file,
  ]);
  assert.equal(back.code, 0, back.out);
  const message = await eventually(async () => {
    const list = (await bob.client.get('/api/v1/messages?type=voice')).body.messages;
    return list.find((m: { subject: string }) => m.subject === 'Quarterly numbers');
  }, 'the VPIM message in Bob’s mailbox');
  assert.equal(message.type, 'voice');
  assert.equal(message.durationMs, 3000);
  assert.equal(message.parts[0].contentType, 'audio/32kadpcm');
  assert.equal(message.parts[0].filename, 'voice-message.726');
  const wav = await bob.client.get(`/api/v1/messages/${message.id}/parts/1?format=audio/wav`);
  assert.equal(wav.status, 200);
  assert.ok(correlation(original, decodeToPcm(wav.body)) > 0.9, 'playable as WAV');
});
