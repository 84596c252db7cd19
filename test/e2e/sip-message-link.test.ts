import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeToPcm, locate } from './audio-fixtures.js';
import { BaresipPhone } from './baresip-phone.js';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually, WebhookReceiver } from './receiver.js';
import { CallLog, spokenWav } from './sip-fixtures.js';

/**
 * The message link number (seed 004): a notice names its message by a code and the number to
 * call (`SWITCHBOARD_MESSAGE_LINK_NUMBER` followed by the code). Called from Ann's registered
 * phone (proven by digest) it plays the message at once; from any other phone it asks for the
 * PIN of the mailbox first; an unknown code is said so.
 */
const SECRET = 'secret-of-the-notice-hook-02';
const ANN_SECRET = 'ann-phone-secret';
let server: ServerProcess;
let hook: WebhookReceiver;
let log: CallLog;
let bob: { client: Client; id: string };
const phones: BaresipPhone[] = [];
const dir = mkdtempSync(join(tmpdir(), 'switchboard-link-number-'));
let speech: Buffer;

before(async () => {
  speech = readFileSync(
    spokenWav(dir, 'bob', 'Hello Ann, the harbour crane is late. Please call the depot.'),
  );
  hook = await new WebhookReceiver(SECRET).start();
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
    SWITCHBOARD_MESSAGE_LINK_NUMBER: '+15559900',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  log = new CallLog(server);
  const admin = new Client(server.url, ADMIN_TOKEN);
  const added = await admin.post('/api/v1/resources', {
    name: 'notices',
    type: 'webhook',
    config: { url: hook.url },
    secret: SECRET,
    rates: [{ prefix: '*', price: 0 }],
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  await subscriberClient(server, {
    name: 'Ann',
    addresses: ['sip:ann@a.test', 'tel:+15550001'],
    sipSecret: ANN_SECRET,
    pin: '2468',
    notificationPreferences: { rules: [{ messageType: 'voice', channels: ['webhook'] }] },
  });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['tel:+15550002'] });
});

after(async () => {
  await Promise.all(phones.map((p) => p.stop()));
  await server?.dispose();
  await hook?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(options: Parameters<typeof BaresipPhone.start>[0] = {}) {
  const started = await BaresipPhone.start({ sipPort: server.sipPort, ...options });
  phones.push(started);
  return started;
}

/** Bob leaves Ann a voice message; gives the code and number her notice names it by. */
async function noticeFor(subject: string): Promise<{ code: string; call: string }> {
  const sent = await bob.client.post('/api/v1/messages', {
    to: ['tel:+15550001'],
    type: 'voice',
    subject,
    attachments: [
      { filename: 'bob.wav', contentType: 'audio/wav', content: speech.toString('base64') },
    ],
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const id = sent.body.copies.find((c: any) => c.address === 'tel:+15550001').messageId;
  const notice = await eventually(
    async () => hook.requests.find((r) => r.body.notice?.messageId === id),
    `the notice about ${subject}`,
  );
  return { code: notice.body.notice.code, call: notice.body.notice.call };
}

test('called from Ann’s registered phone, the link number and code play the message at once', async () => {
  const { code, call: number } = await noticeFor('Crane');
  assert.match(code, /^[0-9]{6}$/);
  assert.equal(number, `+15559900${code}`);
  const anns = await phone({ user: 'ann', domain: 'a.test', secret: ANN_SECRET });
  await anns.waitFor('REGISTER_OK');
  const call = await anns.dial(`sip:${number}@a.test`);
  await log.reached(call, 'message-menu');
  const states = log.states(call);
  assert.deepEqual(states.slice(0, 2), ['link-open', 'play']);
  assert.ok(!states.includes('link-pin'), 'no PIN from her own phone');
  const heard = locate(anns.heard(), decodeToPcm(speech));
  assert.ok(heard.r > 0.8, `the phone heard the message (r=${heard.r.toFixed(3)})`);
  await anns.sendDigits('#');
  await anns.waitFor('CALL_CLOSED', (e) => e.id === call, 15_000);
});

test('from another phone the link number asks for the PIN first; an unknown code is refused', async () => {
  const { call: number } = await noticeFor('Depot');
  const carol = await phone();
  const call = await carol.dial(`sip:${number}@a.test`);
  await log.reached(call, 'link-pin');
  assert.ok(!log.states(call).includes('play'), 'nothing played before the PIN');
  await carol.sendDigits('1111#', 250);
  await log.reached(call, 'link-pin-incorrect');
  await log.reached(call, 'link-pin', { times: 2 });
  await carol.sendDigits('2468#', 250);
  await log.reached(call, 'message-menu');
  const heard = locate(carol.heard(), decodeToPcm(speech));
  assert.ok(heard.r > 0.8, `the message played after the PIN (r=${heard.r.toFixed(3)})`);
  await carol.sendDigits('#');
  await carol.waitFor('CALL_CLOSED', (e) => e.id === call, 15_000);

  // The link number alone asks for the code; a code nobody has is said so, and the call ends.
  const again = await carol.dial('sip:+15559900@a.test');
  await log.reached(again, 'link-code');
  await carol.sendDigits('000000#', 250);
  await log.reached(again, 'link-unknown');
  await carol.waitFor('CALL_CLOSED', (e) => e.id === again, 20_000);
});
