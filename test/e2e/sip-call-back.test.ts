import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeToPcm, locate } from './audio-fixtures.js';
import { BaresipPhone } from './baresip-phone.js';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';
import { CallLog, spokenWav } from './sip-fixtures.js';

/**
 * The call-back of the mailbox menu (3 then 2), with baresip as both phones: Bob (+4930777)
 * leaves Ann a voicemail; Ann calls in, listens, presses 3 2, and the voice resource calls Bob
 * back through its trunk (Bob's own SIP address). Both hear each other; Bob hanging up brings
 * Ann back to her message; a CDR by the second is Ann's. `*` ends a call-back from Ann's side. A
 * message from a number outside the dial policy is refused, said why, and costs nothing.
 */
let server: ServerProcess;
let admin: Client;
let ann: { client: Client; id: string };
let log: CallLog;
let bob: BaresipPhone;
const phones: BaresipPhone[] = [];
const dir = mkdtempSync(join(tmpdir(), 'switchboard-call-back-'));
const wavs: Record<string, string> = {};

const portOf = (contact: string) => Number(/:(\d+)(?:;|$)/.exec(contact)![1]);
const pcmOf = (file: string) => decodeToPcm(readFileSync(file));

before(async () => {
  wavs.bobMessage = spokenWav(dir, 'bob-message', 'Hello Ann, the crane is late. Call me back.');
  wavs.annTalks = spokenWav(dir, 'ann', 'Hi Bob, Ann here. Thursday morning suits me fine.');
  wavs.bobTalks = spokenWav(dir, 'bob', 'Great, then we meet at the harbour gate at seven.');
  wavs.abroad = spokenWav(dir, 'abroad', 'This is a call from far away about your invoice.');
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
    SWITCHBOARD_DIAL_ALLOWED_PREFIXES: '+4930',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  log = new CallLog(server);
  admin = new Client(server.url, ADMIN_TOKEN);
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['sip:ann@a.test', 'tel:+15550001'],
    pin: '4321',
  });
  bob = await phone({ user: '+4930777', domain: 'b.test', autoAnswer: true });
  const trunk = await admin.post('/api/v1/resources', {
    name: 'trunk',
    type: 'voice',
    config: { trunk: `sip:127.0.0.1:${portOf(bob.contact)}`, ringSeconds: 20 },
    channels: 1,
    rates: [
      { prefix: '+4930', price: 0.002 },
      { prefix: '+44', price: 0.01 },
    ],
    currency: 'EUR',
  });
  assert.equal(trunk.status, 201, JSON.stringify(trunk.body));
});

after(async () => {
  await Promise.all(phones.map((p) => p.stop()));
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(options: Parameters<typeof BaresipPhone.start>[0]) {
  const started = await BaresipPhone.start({ sipPort: server.sipPort, ...options });
  phones.push(started);
  return started;
}

/** `caller` leaves Ann a voicemail saying `wav`; gives the stored message. */
async function voicemailForAnn(caller: BaresipPhone, wav: string, from: string) {
  const before = await annMessages();
  const call = await caller.dial('sip:+15550001@a.test');
  await log.reached(call, 'recording', { kind: 'voicemail' });
  await caller.play(wav);
  await new Promise((r) => setTimeout(r, 4000));
  await caller.hangup();
  return eventually(async () => {
    const list = await annMessages();
    return list.length > before.length ? list.find((m) => m.from === from) : undefined;
  }, `the voicemail from ${from}`);
}

const annMessages = async () =>
  (await ann.client.get('/api/v1/messages?folder=inbox')).body.messages as any[];
const annCdrs = async () =>
  ((await admin.get(`/api/v1/cdrs?subscriberId=${ann.id}`)).body.cdrs as any[]).filter((c) =>
    String(c.deliveryId).startsWith('call-back:'),
  );
const busyChannels = async () =>
  ((await admin.get('/api/v1/resources')).body.resources as any[]).find((r) => r.name === 'trunk')
    .busyChannels as string;

/** Ann calls in from an unregistered phone and logs in with her mailbox number and PIN. */
async function annCallsIn(): Promise<{ phone: BaresipPhone; call: string }> {
  const annPhone = await phone({ user: 'ann-desk', domain: 'b.test' });
  const call = await annPhone.dial('sip:voicemail@a.test');
  await log.reached(call, 'ask-mailbox');
  await annPhone.sendDigits('15550001#', 250);
  await log.reached(call, 'ask-pin');
  await annPhone.sendDigits('4321#', 250);
  await log.reached(call, 'main');
  return { phone: annPhone, call };
}

test('3 then 2 calls the sender back: both hear each other, the sender hanging up brings Ann back, a CDR by the second; * ends a call-back', async () => {
  const message = await voicemailForAnn(bob, wavs.bobMessage!, 'tel:+4930777');
  assert.equal(message.type, 'voice');
  const incomingBefore = bob.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;

  const { phone: annPhone, call } = await annCallsIn();
  await annPhone.sendDigits('1');
  await log.reached(call, 'message-menu');
  await annPhone.sendDigits('32', 400);
  await log.reached(call, 'call-back-dial');
  // Bob's phone answers by itself; the two calls are joined.
  await eventually(
    async () =>
      bob.events.filter((e) => e.type === 'CALL_ESTABLISHED').length > incomingBefore || undefined,
    'Bob’s phone to answer the call-back',
  );
  const connected = await log.line(call, /"msg":"call-back connected"/);
  assert.equal(await busyChannels(), '1', 'the call-back holds the trunk’s line');

  await annPhone.play(wavs.annTalks!);
  await bob.play(wavs.bobTalks!);
  await new Promise((r) => setTimeout(r, 6000));
  await bob.hangup();
  await log.line(call, /"by":"called party"[^\n]*"msg":"call-back ended"/);
  await log.reached(call, 'message-menu', { times: 2 });

  // Each heard the other: what Ann said reached Bob, and Bob's words reached Ann.
  const bobHeard = locate(bob.heard(), pcmOf(wavs.annTalks!));
  assert.ok(bobHeard.r > 0.8, `Bob heard Ann (r=${bobHeard.r.toFixed(3)})`);
  const annHeard = locate(annPhone.heard(), pcmOf(wavs.bobTalks!));
  assert.ok(annHeard.r > 0.8, `Ann heard Bob (r=${annHeard.r.toFixed(3)})`);

  // Billed to Ann by the second at the trunk's rate; the line is free again.
  const [cdr] = await eventually(async () => {
    const list = await annCdrs();
    return list.length ? list : undefined;
  }, 'the call-back’s CDR');
  assert.equal(cdr.deliveryId, `call-back:${connected.to}`);
  assert.deepEqual(
    [cdr.result, cdr.unit, cdr.currency, cdr.destination],
    ['sent', 'second', 'EUR', 'tel:+4930777'],
  );
  assert.ok(cdr.units >= 6 && cdr.units <= 20, `a call of ${cdr.units} s`);
  assert.equal(cdr.cost, Math.round(cdr.units * 0.002 * 1e6) / 1e6);
  assert.equal(await busyChannels(), '0');

  // Again, and this time Ann ends it with *: Bob's phone is hung up on, Ann is back.
  await annPhone.sendDigits('32', 400);
  await log.reached(call, 'call-back-dial', { times: 2 });
  const second = await eventually(
    async () => bob.events.filter((e) => e.type === 'CALL_ESTABLISHED')[incomingBefore + 1],
    'Bob’s phone to answer the second call-back',
  );
  await new Promise((r) => setTimeout(r, 1500));
  await annPhone.sendDigits('*');
  await log.reached(call, 'message-menu', { times: 3 });
  const closed = await bob.waitFor('CALL_CLOSED', (e) => e.id === second.id);
  assert.equal(closed.param, 'Connection reset by peer', 'Switchboard hung up on Bob (BYE)');
  assert.equal((await annCdrs()).length, 2);
  await annPhone.sendDigits('#');
  await annPhone.waitFor('CALL_CLOSED', (e) => e.id === call, 15_000);
});

test('a call-back to a number outside the dial policy is refused, said why, and costs nothing', async () => {
  const abroad = await phone({ user: '+447700900123', domain: 'c.test' });
  await voicemailForAnn(abroad, wavs.abroad!, 'tel:+447700900123');
  const cdrsBefore = (await annCdrs()).length;
  const invitesBefore = bob.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;

  const { phone: annPhone, call } = await annCallsIn();
  // Oldest first: Bob's message, then the one from abroad.
  await annPhone.sendDigits('1');
  await log.reached(call, 'message-menu');
  await annPhone.sendDigits('6');
  await log.reached(call, 'message-menu', { times: 2 });
  await annPhone.sendDigits('32', 400);
  await log.reached(call, 'call-back-not-allowed');
  await log.reached(call, 'message-menu', { times: 3 });
  const refused = server.output
    .split('\n')
    .find((l) => l.includes('"msg":"call-back refused by the dial policy"'));
  assert.match(
    refused ?? '',
    /\+447700900123 is not an allowed destination \(SWITCHBOARD_DIAL_ALLOWED_PREFIXES\)/,
  );
  assert.equal((await annCdrs()).length, cdrsBefore, 'no CDR: nothing was dialled');
  assert.equal(
    bob.events.filter((e) => e.type === 'CALL_ESTABLISHED').length,
    invitesBefore,
    'no call went out',
  );
  assert.equal(await busyChannels(), '0');
  await annPhone.sendDigits('#');
  await annPhone.waitFor('CALL_CLOSED', (e) => e.id === call, 15_000);
});
