import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeToPcm, locate } from './audio-fixtures.js';
import { BaresipPhone } from './baresip-phone.js';
import { ADMIN_TOKEN, Client, runCli, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { spokenWav } from './sip-fixtures.js';

/**
 * Calling out (issue 9): the voice resource delivers Ann's voice message by calling the
 * recipient. Two baresip phones stand behind two "trunks" (each resource's trunk is a phone's
 * own SIP address, so the number is the phone's account): +4930123 answers at once and hears
 * the introduction and then the message; +4930124 is busy the first time (baresip rejects with
 * 486) and answers when the queue tries again. A number abroad is outside the dial policy:
 * refused before dialling, at no cost.
 */
let server: ServerProcess;
let admin: Client;
let ann: { client: Client; id: string };
let answering: BaresipPhone;
let busyFirst: BaresipPhone;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-dial-out-'));
let wav: Buffer;
let message: Int16Array;

const portOf = (contact: string) => Number(/:(\d+)(?:;|$)/.exec(contact)![1]);

before(async () => {
  wav = readFileSync(
    spokenWav(
      dir,
      'message',
      'The harbour crane arrives on Tuesday at nine. Please meet the driver at gate four.',
    ),
  );
  message = decodeToPcm(wav);
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
    SWITCHBOARD_DIAL_ALLOWED_PREFIXES: '+4930',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '1000',
    SWITCHBOARD_DELIVERY_RETRY_MAX_MS: '2000',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  admin = new Client(server.url, ADMIN_TOKEN);
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['tel:+15550001'],
    language: 'en',
  });
  [answering, busyFirst] = await Promise.all([
    BaresipPhone.start({ user: '+4930123', domain: 'b.test', autoAnswer: true }),
    BaresipPhone.start({ user: '+4930124', domain: 'b.test' }),
  ]);
  // One resource per phone, told apart by their rates: the router picks the one serving the number.
  const added = await runCli(server, [
    'resources',
    'add',
    '--type',
    'voice',
    '--name',
    'trunk-a',
    '--trunk',
    `sip:127.0.0.1:${portOf(answering.contact)}`,
    '--user',
    'acct-a',
    '--secret',
    'trunk-a-password',
    '--channels',
    '2',
    '--rate',
    '+4930123=0.002',
    '--rate',
    '+44=0.01',
    '--currency',
    'EUR',
    '--ring-seconds',
    '20',
    '--json',
  ]);
  assert.equal(added.code, 0, added.stderr);
  const a = JSON.parse(added.stdout);
  assert.deepEqual(
    [a.type, a.channels, a.busyChannels, a.config.trunk, a.config.user, a.hasSecret],
    ['voice', 2, '00', `sip:127.0.0.1:${portOf(answering.contact)}`, 'acct-a', true],
  );
  const b = await admin.post('/api/v1/resources', {
    name: 'trunk-b',
    type: 'voice',
    config: { trunk: `sip:127.0.0.1:${portOf(busyFirst.contact)}`, ringSeconds: 20 },
    channels: 1,
    rates: [{ prefix: '+4930124', price: 0.002 }],
    currency: 'EUR',
  });
  assert.equal(b.status, 201, JSON.stringify(b.body));
  const bad = await admin.post('/api/v1/resources', {
    name: 'trunk-tcp',
    type: 'voice',
    config: { trunk: 'sip:trunk.example;transport=tcp' },
  });
  assert.equal(bad.status, 400);
  assert.match(bad.body.detail, /only UDP/);
});

after(async () => {
  await Promise.all([answering?.stop(), busyFirst?.stop()]);
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Ann sends the recording as a voice message to `to`; gives its delivery's id. */
async function sendVoice(to: string): Promise<string> {
  const sent = await ann.client.post('/api/v1/messages', {
    type: 'voice',
    to: [to],
    subject: 'Crane',
    attachments: [
      { contentType: 'audio/wav', filename: 'crane.wav', content: wav.toString('base64') },
    ],
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const messageId = sent.body.copies[0].messageId;
  const [d] = await eventually(async () => {
    const list = (await admin.get(`/api/v1/deliveries?messageId=${messageId}`)).body.deliveries;
    return list.length ? list : undefined;
  }, `the delivery to ${to}`);
  return d.id;
}

const delivery = async (id: string) => (await admin.get(`/api/v1/deliveries/${id}`)).body;
const finished = (id: string, timeoutMs = 40_000) =>
  eventually(
    async () => {
      const d = await delivery(id);
      return ['S', 'F', 'E'].includes(d.status) ? d : undefined;
    },
    `delivery ${id} to end`,
    timeoutMs,
  );
const cdrsOf = async (id: string) =>
  ((await admin.get(`/api/v1/cdrs?subscriberId=${ann.id}`)).body.cdrs as any[]).filter(
    (c) => c.deliveryId === id,
  );

test('dial-out: the phone answers and hears the introduction, then the message; S with a CDR of the call’s seconds; a busy phone is called again', async () => {
  // The second phone refuses its first call (baresip's hangup on a ringing call: 486) and
  // takes the next one.
  const busyScript = (async () => {
    await busyFirst.waitFor('CALL_INCOMING', () => true, 30_000);
    await busyFirst.hangup();
    await busyFirst.waitFor('CALL_INCOMING', () => true, 30_000);
    await busyFirst.answer();
  })();
  const [toA, toB] = await Promise.all([sendVoice('tel:+4930123'), sendVoice('tel:+4930124')]);

  // B: the first attempt was busy and is put off (D) for another try.
  const deferred = await eventually(async () => {
    const d = await delivery(toB);
    return d.attempts >= 1 && ['D', 'R'].includes(d.status) ? d : undefined;
  }, 'the busy attempt to be deferred');
  assert.match(deferred.lastError, /tel:\+4930124: busy \(486 Rejected\)/);

  const a = await finished(toA);
  assert.equal(a.status, 'S', JSON.stringify(a));
  await answering.waitFor('CALL_CLOSED', () => true, 10_000);
  const established = answering.events.find((e) => e.type === 'CALL_ESTABLISHED')!;
  const closed = answering.events.find((e) => e.type === 'CALL_CLOSED')!;
  assert.equal(closed.param, 'Connection reset by peer', 'we hung up (BYE)');
  const phoneSeconds = (closed.at - established.at) / 1000;
  const [cdr] = await cdrsOf(toA);
  assert.deepEqual([cdr.result, cdr.unit, cdr.currency], ['sent', 'second', 'EUR']);
  assert.ok(Math.abs(cdr.units - phoneSeconds) <= 2, `CDR ${cdr.units} s, phone ${phoneSeconds} s`);
  assert.equal(cdr.cost, Math.round(cdr.units * 0.002 * 1e6) / 1e6);
  // Ann's receipt says the message was played, and on how long a call.
  const receipt = await eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?folder=inbox')).body.messages as any[];
    return list.find((m) => m.subject === 'Delivered: Crane' && m.from.startsWith('mailto:'));
  }, 'Ann’s receipt');
  const text = String((await ann.client.get(`/api/v1/messages/${receipt.id}/parts/1`)).body);
  const length = `${Math.floor(cdr.units / 60)}:${String(cdr.units % 60).padStart(2, '0')}`;
  assert.match(text, new RegExp(`delivered to tel:\\+4930123 .*played on a call of ${length}\\.`));

  // What the phone heard: the spoken introduction first, then Ann's recording.
  await new Promise((r) => setTimeout(r, 300));
  const heard = answering.heard();
  const { r, offset } = locate(heard, message);
  assert.ok(r > 0.85, `the message is in what the phone heard (r=${r.toFixed(3)})`);
  assert.ok(offset / 8000 > 2.5, `an introduction came first (message at ${offset / 8000} s)`);
  const rms = (x: Int16Array) =>
    Math.sqrt(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length));
  assert.ok(rms(heard.subarray(4000, offset)) > 300, 'the introduction is speech, not silence');
  assert.match(server.output, /This is Switchboard|voice message delivered by a call/);

  const b = await finished(toB);
  await busyScript;
  assert.equal(b.status, 'S', JSON.stringify(b));
  assert.equal(b.attempts, 2);
  const bCdrs = await cdrsOf(toB);
  assert.deepEqual(
    bCdrs.map((c) => [c.result, c.cost]),
    [
      ['retry', 0],
      ['sent', bCdrs[1].cost],
    ],
  );
  assert.ok(bCdrs[1].units >= 5, 'the second attempt was a call of some seconds');
});

test('a destination outside the dial policy is refused before dialling: F with the reason, no cost, no call', async () => {
  const before = answering.events.length + busyFirst.events.length;
  const id = await sendVoice('tel:+442071234567');
  const d = await finished(id, 10_000);
  assert.equal(d.status, 'F');
  assert.equal(
    d.lastError,
    '+442071234567 is not an allowed destination (SWITCHBOARD_DIAL_ALLOWED_PREFIXES)',
  );
  assert.equal(d.attempts, 1);
  const cdrs = await cdrsOf(id);
  assert.ok(
    cdrs.every((c) => c.cost === 0 && c.units === 0),
    JSON.stringify(cdrs),
  );
  assert.equal(answering.events.length + busyFirst.events.length, before, 'no phone rang');
  assert.match(server.output, /call refused by the dial policy/);
  const resources = (await admin.get('/api/v1/resources')).body.resources as any[];
  assert.equal(
    resources.find((x) => x.name === 'trunk-a').consecutiveFailures,
    0,
    'a refusal is not the resource’s failure',
  );
});

test('a voicemail exit outside the dial policy stops the start with the reason', async () => {
  const refused = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_VOICEMAIL_ZERO_DESTINATION: 'sip:+4420123456@a.test',
  }).then(
    (s) => s.dispose().then(() => null),
    (err: Error) => err.message,
  );
  assert.match(
    refused ?? 'it started',
    /SWITCHBOARD_VOICEMAIL_ZERO_DESTINATION sip:\+4420123456@a\.test: \+4420123456 is not an allowed destination/,
  );
});
