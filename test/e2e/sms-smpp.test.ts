import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeToPcm, locate } from './audio-fixtures.js';
import { BaresipPhone } from './baresip-phone.js';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { spokenWav } from './sip-fixtures.js';
import { SmscSimulator } from './smsc-simulator.js';
import { Esme } from './smpp-client.js';

/**
 * The SMS network over SMPP, against an SMSC simulator built on the `smpp` package's server: a
 * voice message for Ann sends her an SMS notice (link, reply commands, code) that waits for its
 * delivery receipt; her replies T (the transcript comes back), 1 (the voice resource calls her
 * auto-answering baresip and plays the message), S and D act on the message, and the link stops
 * working once it is deleted. Long texts go out as concatenated parts and come back joined;
 * Greek goes as UCS-2; throttling, a dropped link and a missing receipt lose nothing.
 */
let server: ServerProcess;
let admin: Client;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };
let smsc: SmscSimulator;
let annPhone: BaresipPhone;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-sms-'));
let speech: Buffer;
const NOTICES_FROM = '15559900';

before(async () => {
  speech = readFileSync(
    spokenWav(dir, 'bob', 'Hello Ann, the crane arrives on Tuesday at nine in the morning.'),
  );
  smsc = await new SmscSimulator('switchboard', 'smpp-pw').start();
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
    SWITCHBOARD_DIAL_ALLOWED_PREFIXES: '+1555',
    SWITCHBOARD_MESSAGE_LINK_NUMBER: '+15559900',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '500',
    SWITCHBOARD_DELIVERY_RETRY_MAX_MS: '1000',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  admin = new Client(server.url, ADMIN_TOKEN);
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['tel:+15550001'],
    language: 'en',
    notificationPreferences: { rules: [{ messageType: 'voice', channels: ['sms'] }] },
  });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['tel:+15550002'] });
  annPhone = await BaresipPhone.start({ user: '+15550001', domain: 'b.test', autoAnswer: true });
  const sms = await admin.post('/api/v1/resources', {
    name: 'smsc',
    type: 'sms',
    config: {
      host: '127.0.0.1',
      port: smsc.port,
      systemId: 'switchboard',
      sourceAddr: `+${NOTICES_FROM}`,
      receiptSeconds: 10,
      enquireLinkSeconds: 5,
    },
    secret: 'smpp-pw',
    channels: 4,
    rates: [
      { prefix: '+1555', price: 0.05 },
      { prefix: '+4930', price: 0.07 },
    ],
    messageTypes: ['*'],
    currency: 'EUR',
  });
  assert.equal(sms.status, 201, JSON.stringify(sms.body));
  const bad = await admin.post('/api/v1/resources', {
    name: 'smsc-bad',
    type: 'sms',
    config: { host: '127.0.0.1', systemId: 'x' },
  });
  assert.equal(bad.status, 400);
  assert.match(bad.body.detail, /sourceAddr/);
  const voice = await admin.post('/api/v1/resources', {
    name: 'calls',
    type: 'voice',
    config: { trunk: `sip:127.0.0.1:${/:(\d+)(?:;|$)/.exec(annPhone.contact)![1]}` },
    rates: [{ prefix: '+1555', price: 0.001 }],
    currency: 'EUR',
  });
  assert.equal(voice.status, 201, JSON.stringify(voice.body));
  await eventually(async () => smsc.bound > 0 || undefined, 'Switchboard to bind to the SMSC');
});

after(async () => {
  await annPhone?.stop();
  await server?.dispose();
  await smsc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Bob leaves Ann a voice message; gives its id in Ann's mailbox. */
async function voiceMessage(subject: string): Promise<string> {
  const sent = await bob.client.post('/api/v1/messages', {
    to: ['tel:+15550001'],
    type: 'voice',
    subject,
    attachments: [
      { filename: 'bob.wav', contentType: 'audio/wav', content: speech.toString('base64') },
    ],
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  return sent.body.copies.find((c: any) => c.address === 'tel:+15550001').messageId;
}

const delivery = async (id: string) => (await admin.get(`/api/v1/deliveries/${id}`)).body;
const deliveriesOf = async (messageId: string) =>
  (await admin.get(`/api/v1/deliveries?messageId=${messageId}`)).body.deliveries as any[];
/** The next SMS the SMSC got for `to` after `seen` of them, parts joined. */
const nextSms = (to: string, seen: number, what: string) =>
  eventually(async () => smsc.texts(to)[seen], what, 30_000);

test('a voice message sends an SMS notice with a link and a code; the receipt makes it S; T, 1, S and D answer it', async () => {
  const id = await voiceMessage('Crane');
  const notice = await nextSms('15550001', 0, 'the SMS notice');
  assert.match(
    notice,
    /^New voice message from \+15550002 \(0:0\d\)\. Open: http:\/\/127\.0\.0\.1:\d+\/l\/[\w-]{43} Reply 1 to hear it by phone, T for the text, S save, D delete \(code (\d{6})\)\. Or call \+15559900\1\.$/,
  );
  const code = /code (\d{6})/.exec(notice)![1]!;
  const link = /Open: (\S+)/.exec(notice)![1]!;
  const submit = smsc.submitted.find((s) => s.to === '15550001')!;
  assert.deepEqual([submit.from, submit.dataCoding], [NOTICES_FROM, 0]);
  // The receipt (id in decimal, submit_sm_resp gave hex) ends the notice's delivery as S.
  const [noticeDelivery] = (await deliveriesOf(id)).filter((d) => d.kind === 'notification');
  const sent = await eventually(async () => {
    const d = await delivery(noticeDelivery.id);
    return d.status === 'S' ? d : undefined;
  }, 'the notice to be S after its receipt');
  assert.equal(sent.channel, 'sms');

  // The link opens the message without signing in.
  const opened = await fetch(link);
  assert.equal(opened.status, 200);
  const page = await opened.text();
  assert.match(page, /<h1>Crane<\/h1>/);
  assert.match(page, /<audio controls preload="metadata" src="\/l\/[\w-]{43}\/audio">/);
  assert.match(opened.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const audio = await fetch(`${link}/audio`);
  assert.deepEqual([audio.status, audio.headers.get('content-type')], [200, 'audio/mpeg']);
  assert.ok((await audio.arrayBuffer()).byteLength > 1000);
  assert.equal((await fetch(`${link.slice(0, -3)}AAA`)).status, 404, 'a forged token');

  // T: the transcript comes back as SMS, the same the API gives.
  const before = smsc.texts('15550001').length;
  const answers = await smsc.deliver('15550001', NOTICES_FROM, 'T');
  assert.deepEqual(answers, [0]);
  const transcript = await nextSms('15550001', before, 'the transcript SMS');
  const message = (await ann.client.get(`/api/v1/messages/${id}`)).body;
  const audioPart = message.parts.find((p: any) => p.contentType.startsWith('audio/'));
  const viaApi = await ann.client.get(
    `/api/v1/messages/${id}/parts/${audioPart.index}?format=text/plain`,
  );
  assert.equal(transcript, String(viaApi.body).trim());
  assert.ok(transcript.length > 5, `a transcript: "${transcript}"`);

  // 1 with the code: the voice resource calls Ann's phone and plays the message.
  const callsBefore = annPhone.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
  assert.deepEqual(await smsc.deliver('15550001', NOTICES_FROM, `1 ${code}`), [0]);
  assert.equal(
    await nextSms('15550001', before + 1, 'the confirmation'),
    'Calling you now to play the message.',
  );
  await eventually(
    async () =>
      annPhone.events.filter((e) => e.type === 'CALL_ESTABLISHED').length > callsBefore ||
      undefined,
    'the call to Ann',
  );
  await annPhone.waitFor('CALL_CLOSED', () => true, 60_000);
  const heard = locate(annPhone.heard(), decodeToPcm(speech));
  assert.ok(heard.r > 0.8, `Ann heard the message on the call (r=${heard.r.toFixed(3)})`);

  // S saves it, D deletes it; the link no longer opens it.
  assert.deepEqual(await smsc.deliver('15550001', NOTICES_FROM, `S ${code}`), [0]);
  assert.equal(await nextSms('15550001', before + 2, 'Saved.'), 'Saved.');
  assert.equal((await ann.client.get(`/api/v1/messages/${id}`)).body.folder, 'saved');
  // The same D from an application bound to our SMPP server (as Ann, from her number) is no
  // command: to the notice number (ours, nobody's mailbox) it is refused, to Ann's number it is
  // an SMS in her inbox; the message stays where it was.
  const account = await admin.post('/api/v1/smpp-accounts', {
    systemId: 'annapp',
    password: 'ann-pw1',
    subscriber: ann.id,
  });
  assert.equal(account.status, 201, JSON.stringify(account.body));
  const app = await Esme.connect(server.smppPort);
  assert.equal((await app.bind('annapp', 'ann-pw1')).command_status, 0);
  const applicationSubmit = (to: string) =>
    app.call('submit_sm', {
      source_addr_ton: 1,
      source_addr: '15550001',
      dest_addr_ton: 1,
      destination_addr: to,
      short_message: `D ${code}`,
    });
  assert.equal((await applicationSubmit(NOTICES_FROM)).command_status, 0x0b, 'ESME_RINVDSTADR');
  assert.equal((await applicationSubmit('15550001')).command_status, 0);
  const inbox = (await ann.client.get('/api/v1/messages?type=sms')).body.messages as any[];
  assert.ok(
    inbox.some((m) => m.from === 'tel:+15550001'),
    'stored as an SMS',
  );
  app.close();
  assert.equal((await ann.client.get(`/api/v1/messages/${id}`)).body.folder, 'saved');
  assert.equal(smsc.texts('15550001').length, before + 3, 'no "Deleted." answer');

  assert.deepEqual(await smsc.deliver('15550001', NOTICES_FROM, `d ${code}`), [0]);
  assert.equal(await nextSms('15550001', before + 3, 'Deleted.'), 'Deleted.');
  assert.equal((await ann.client.get(`/api/v1/messages/${id}`)).body.folder, 'trash');
  const gone = await fetch(link);
  assert.equal(gone.status, 404);
  assert.match(await gone.text(), /no longer available/);

  // A code that is not Ann's, and an SMS from a stranger to the notice number.
  assert.deepEqual(await smsc.deliver('15550001', NOTICES_FROM, 'S 000001'), [0]);
  assert.match(await nextSms('15550001', before + 4, 'unknown code'), /^No message has that code/);
  const strangers = await smsc.deliver('4930999', NOTICES_FROM, 'D');
  assert.deepEqual(strangers, [0x65], 'not ours to take: ESME_RX_P_APPN');
});

test('a 400-character text goes out as three concatenated parts and comes back joined; Greek goes as UCS-2', async () => {
  const long = 'The crane arrives on Tuesday at nine; meet the driver at gate four. '
    .repeat(7)
    .slice(0, 400);
  assert.equal(long.length, 400);
  const sent = await ann.client.post('/api/v1/messages', {
    type: 'sms',
    to: ['tel:+4930123'],
    text: long,
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const joined = await nextSms('4930123', 0, 'the long SMS');
  assert.equal(joined, long);
  const parts = smsc.submitted.filter((s) => s.to === '4930123');
  assert.equal(parts.length, 3);
  assert.ok(parts.every((p) => p.esmClass === 0x40 && p.dataCoding === 0 && p.part?.total === 3));
  assert.equal(new Set(parts.map((p) => p.part!.reference)).size, 1);

  const greek = 'Καλημέρα Άννα, ο γερανός φτάνει την Τρίτη.';
  await ann.client.post('/api/v1/messages', { type: 'sms', to: ['tel:+4930124'], text: greek });
  assert.equal(await nextSms('4930124', 0, 'the Greek SMS'), greek);
  assert.equal(smsc.submitted.find((s) => s.to === '4930124')!.dataCoding, 8);

  // Back: three parts from a phone, out of order, joined into one SMS in Ann's inbox.
  const chunks = [long.slice(0, 153), long.slice(153, 306), long.slice(306)];
  const udh = (seq: number) => Buffer.from([5, 0, 3, 0x42, 3, seq]);
  const answers = await smsc.deliver('4930123', '15550001', '', {
    parts: [2, 0, 1].map((i) => Buffer.concat([udh(i + 1), Buffer.from(chunks[i]!, 'latin1')])),
  });
  assert.deepEqual(answers, [0, 0, 0], 'each part answered once the whole text was stored');
  const inbox = (await ann.client.get('/api/v1/messages?type=sms')).body.messages as any[];
  const back = inbox.find((m) => m.from === 'tel:+4930123');
  assert.ok(back, 'the SMS is in Ann’s inbox');
  const part = back.parts.find((p: any) => p.contentType.startsWith('text/plain'));
  const text = await ann.client.get(`/api/v1/messages/${back.id}/parts/${part.index}`);
  assert.equal(String(text.body), long);
});

test('SMSC faults lose nothing: throttling is tried again, a dropped link with a submit in flight too, and a missing receipt sends again', async () => {
  const send = async (to: string) => {
    const r = await ann.client.post('/api/v1/messages', {
      type: 'sms',
      to: [to],
      text: `to ${to}`,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const [d] = r.body.deliveries;
    return d.id as string;
  };
  const ended = (id: string) =>
    eventually(
      async () => {
        const d = await delivery(id);
        return ['S', 'F', 'E'].includes(d.status) ? d : undefined;
      },
      `delivery ${id} to end`,
      60_000,
    );

  smsc.behaviour.throttle = 1;
  const throttled = await ended(await send('+4930201'));
  assert.equal(throttled.status, 'S');
  assert.match(throttled.errorLog[0].error, /command_status 0x0058/);

  smsc.behaviour.dropOnSubmit = 1;
  const dropped = await ended(await send('+4930202'));
  assert.equal(dropped.status, 'S');
  assert.match(dropped.errorLog[0].error, /SMSC link lost/);
  assert.ok(smsc.binds.filter((b) => b.ok).length >= 2, 'bound again after the drop');

  smsc.behaviour.withholdReceipts = 1;
  const unconfirmed = await ended(await send('+4930203'));
  assert.equal(unconfirmed.status, 'S');
  assert.ok(
    unconfirmed.errorLog.some((e: any) => /no delivery receipt/.test(e.error)),
    JSON.stringify(unconfirmed.errorLog),
  );
  assert.equal(smsc.texts('4930203').length, 2, 'sent again when no receipt came');

  smsc.behaviour.receiptStat = 'UNDELIV';
  const undelivered = await ended(await send('+4930204'));
  assert.equal(undelivered.status, 'F');
  assert.match(undelivered.lastError, /the SMSC reports UNDELIV/);
  smsc.behaviour.receiptStat = 'DELIVRD';
});
