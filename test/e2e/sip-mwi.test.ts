import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BaresipPhone } from './baresip-phone.js';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually } from './receiver.js';

/**
 * Message-waiting lights with a real phone: baresip registers, subscribes to message-summary
 * (its mwi module) and gets NOTIFYs whose counts follow the mailbox; a phone that does not
 * subscribe gets unsolicited NOTIFYs.
 */
let server: ServerProcess;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };
const SECRET = 'phone-secret-2';
const phones: BaresipPhone[] = [];

before(async () => {
  server = await ServerProcess.start({ SWITCHBOARD_DOMAINS: 'a.test' });
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['sip:ann@a.test', 'mailto:ann@a.test'],
    sipSecret: SECRET,
  });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['mailto:bob@a.test'] });
});
after(async () => {
  await Promise.all(phones.map((p) => p.stop()));
  await server.dispose();
});

/** The message-summary bodies of the NOTIFYs in a baresip trace, in order. */
function summaries(trace: string): Array<{ body: string; solicited: boolean }> {
  return trace
    .split(/\n(?=NOTIFY )/)
    .filter((chunk) => chunk.startsWith('NOTIFY '))
    .map((chunk) => ({
      body: /Messages-Waiting:[\s\S]*?Text-Message: \d+\/\d+ \(\d+\/\d+\)/.exec(chunk)?.[0] ?? '',
      solicited: /^Subscription-State: active/m.test(chunk),
    }));
}

const voice = (subject: string, urgent = false) =>
  bob.client.post('/api/v1/messages', {
    to: ['mailto:ann@a.test'],
    type: 'voice',
    subject,
    urgent,
    text: 'stands in for a recording',
  });

/** Ann's phone, registered, printing the SIP it sends and receives (`-s`). */
async function annsPhone(modules: string[] = []) {
  const phone = await BaresipPhone.start({
    user: 'ann',
    domain: 'a.test',
    secret: SECRET,
    sipPort: server.sipPort,
    modules,
    trace: true,
    record: false,
  });
  phones.push(phone);
  await phone.waitFor('REGISTER_OK');
  return phone;
}

/** Waits until the phone has been told `body` (a pattern of a message-summary body). */
function told(phone: BaresipPhone, body: RegExp, what: string) {
  return eventually(
    async () => summaries(phone.output).some((s) => body.test(s.body)) || undefined,
    what,
    20_000,
  );
}

test('a subscribed phone sees the counts change: new voice messages, urgent ones, then read', async () => {
  const phone = await annsPhone(['mwi.so']);
  await told(phone, /Voice-Message: 0\/0 \(0\/0\)/, 'the subscription’s first NOTIFY');
  assert.equal((await voice('first')).status, 201);
  await told(phone, /Voice-Message: 1\/0 \(0\/0\)/, 'a NOTIFY for the first message');
  assert.equal((await voice('second', true)).status, 201);
  await told(phone, /Voice-Message: 2\/0 \(1\/0\)/, 'a NOTIFY for the urgent one');
  const first = (await ann.client.get('/api/v1/messages')).body.messages.find(
    (m: { subject: string }) => m.subject === 'first',
  );
  assert.equal(
    (await ann.client.patch(`/api/v1/messages/${first.id}`, { read: true })).status,
    200,
  );
  await told(phone, /Voice-Message: 1\/1 \(1\/0\)/, 'a NOTIFY after reading one');
  await phone.stop();
  const trace = phone.output;
  const bodies = summaries(trace)
    .filter((s) => s.solicited)
    .map((s) => s.body);
  assert.ok(bodies.length >= 3, trace.slice(-3000));
  assert.match(
    bodies[0]!,
    /Messages-Waiting: no\r?\nMessage-Account: sip:ann@a\.test\r?\nVoice-Message: 0\/0 \(0\/0\)/,
  );
  assert.ok(
    bodies.some((b) => /Messages-Waiting: yes[\s\S]*Voice-Message: 1\/0 \(0\/0\)/.test(b)),
    bodies.join('\n---\n'),
  );
  assert.ok(
    bodies.some((b) => /Voice-Message: 2\/0 \(1\/0\)/.test(b)),
    'the urgent one counted',
  );
  assert.match(
    bodies.at(-1)!,
    /Voice-Message: 1\/1 \(1\/0\)[\s\S]*Fax-Message: 0\/0 \(0\/0\)[\s\S]*Text-Message: 0\/0 \(0\/0\)/,
    'reading one makes it old',
  );
  assert.match(trace, /SIP\/2\.0 200 OK[\s\S]*CSeq: \d+ NOTIFY/, 'baresip accepted the NOTIFYs');
});

test('a registered phone that does not subscribe still gets unsolicited NOTIFYs', async () => {
  const phone = await annsPhone();
  await told(phone, /Messages-Waiting: /, 'a NOTIFY');
  await phone.stop();
  const trace = phone.output;
  const notices = summaries(trace);
  assert.ok(notices.length >= 1, trace.slice(-2000));
  assert.equal(notices[0]!.solicited, false);
  assert.match(notices[0]!.body, /Messages-Waiting: yes[\s\S]*Voice-Message: 1\/1 \(1\/0\)/);
});
