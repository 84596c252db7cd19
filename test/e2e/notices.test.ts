import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually, WebhookReceiver, type Received } from './receiver.js';

const SECRET = 'secret-of-the-notice-hook-0123';
const ENV = {
  SWITCHBOARD_WELCOME_NOTICES: 'true',
  SWITCHBOARD_DELIVERY_POLL_MS: '100',
  SWITCHBOARD_NOTICE_POLL_SECONDS: '1',
  SWITCHBOARD_PIN_REMINDER_SECONDS: '3',
  SWITCHBOARD_NEARLY_FULL_PERCENT: '50',
  SWITCHBOARD_EXPIRY_NOTICE_DAYS: '2',
  SWITCHBOARD_VOICEMAIL_NUMBER: '*86',
};
const EVERYTHING = [{ messageType: '*', channels: ['webhook'] }];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

type Person = { client: Client; id: string; number: string };

describe('account notices, digests and filters, through a webhook notice channel', () => {
  let server: ServerProcess;
  let admin: Client;
  let hook: WebhookReceiver;
  let ann: Person;
  let eve: Person;
  const eveMessages: string[] = [];

  /** The notices of one kind the hook received for a number, one per delivery. */
  const notices = (number: string, kind: string): Received[] => {
    const seen = new Set<string>();
    return hook.requests.filter((r) => {
      if (r.body.delivery.recipient !== `tel:${number}` || r.body.notice?.notice !== kind)
        return false;
      if (seen.has(r.key)) return false;
      seen.add(r.key);
      return true;
    });
  };
  const waitFor = (number: string, kind: string, count = 1, timeoutMs = 15_000) =>
    eventually(
      async () => notices(number, kind).length >= count && notices(number, kind),
      `${count} ${kind} notice(s) for ${number}`,
      timeoutMs,
    );
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function person(name: string, number: string, fields: object = {}): Promise<Person> {
    const made = await subscriberClient(server, {
      name,
      addresses: [`tel:${number}`, `mailto:${name.toLowerCase()}@example.com`],
      notificationPreferences: { rules: EVERYTHING },
      ...fields,
    });
    return { ...made, number };
  }

  /** Sends a text from one subscriber to another; gives the recipient's copy id. */
  async function send(from: Person, to: Person, text: string): Promise<string> {
    const sent = await from.client.post('/api/v1/messages', {
      to: [`tel:${to.number}`],
      subject: text.slice(0, 20),
      text,
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    return sent.body.copies.find((c: any) => c.folder !== 'sent').messageId;
  }

  const noticeDeliveries = async (messageId: string) =>
    (await admin.get(`/api/v1/deliveries?messageId=${messageId}`)).body.deliveries.filter(
      (d: any) => d.kind === 'notification',
    );

  before(async () => {
    server = await ServerProcess.start(ENV);
    admin = new Client(server.url, ADMIN_TOKEN);
    hook = await new WebhookReceiver(SECRET).start();
    const resource = await admin.post('/api/v1/resources', {
      name: 'notices',
      type: 'webhook',
      config: { url: hook.url },
      secret: SECRET,
      channels: 4,
      rates: [{ prefix: '*', price: 0 }],
    });
    assert.equal(resource.status, 201, JSON.stringify(resource.body));
    ann = await person('Ann', '+15551001', { pin: '4711' });
    // The digest waits a minute after its first message: start it now, check it last.
    eve = await person('Eve', '+15551005', {
      pin: '4711',
      notificationPreferences: {
        rules: [{ messageType: 'text', channels: ['webhook'], digest: { intervalMinutes: 1 } }],
      },
    });
    eveMessages.push(await send(ann, eve, 'first for the digest'));
    eveMessages.push(await send(ann, eve, 'second for the digest'));
  });
  after(async () => {
    await server?.dispose();
    await hook?.stop();
  });

  test('preferences with filters and digests validate; unknown fields are refused', async () => {
    const bad = await admin.post('/api/v1/subscribers', {
      name: 'Bad',
      addresses: ['tel:+15551099'],
      notificationPreferences: { rules: [{ messageType: '*', channels: ['webhook'], bogus: 1 }] },
    });
    assert.equal(bad.status, 400);
    const badDigest = await ann.client.patch('/api/v1/me', {
      notificationPreferences: { digest: { intervalMinutes: 0 } },
    });
    assert.equal(badDigest.status, 400);
    const me = (await ann.client.get('/api/v1/me')).body;
    assert.deepEqual(me.notificationPreferences, { rules: EVERYTHING }, 'nothing changed');
  });

  test('a subscriber created active is welcomed, in their language, with numbers, mailbox number and web address', async () => {
    const [welcome] = await waitFor(ann.number, 'welcome');
    const text: string = welcome!.body.notice.text;
    assert.ok(welcome!.signatureValid);
    assert.match(text, /\+15551001/);
    assert.match(text, /call \*86/);
    assert.ok(text.includes(server.url), text);
    assert.doesNotMatch(text, /set a PIN/, 'Ann has a PIN');
    // The notice is a message in her mailbox too, and the notice points at it.
    const inbox = (await ann.client.get('/api/v1/messages')).body.messages;
    const stored = inbox.find((m: any) => m.subject === 'Welcome to your mailbox');
    assert.ok(stored, JSON.stringify(inbox.map((m: any) => m.subject)));
    assert.equal(welcome!.body.message.id, stored.id);
    assert.match(welcome!.body.notice.link, /\/l\//);
  });

  test('a notice channel switched on later gets its own welcome, on that channel only, once', async () => {
    const hana = await person('Hana', '+15551008', {
      pin: '4711',
      notificationPreferences: { rules: [] },
    });
    // No channel yet: nothing to welcome her on. Wait until she has been seen as she is.
    await pause(8000);
    assert.equal(notices(hana.number, 'welcome').length, 0);
    const on = await hana.client.patch('/api/v1/me', {
      notificationPreferences: { rules: EVERYTHING },
    });
    assert.equal(on.status, 200, JSON.stringify(on.body));
    const [service] = await waitFor(hana.number, 'service-welcome');
    assert.equal(service!.body.delivery.recipient, 'tel:+15551008');
    assert.match(service!.body.notice.text, /From now on notices of new messages go to webhook/);
    await pause(3000);
    assert.equal(notices(hana.number, 'service-welcome').length, 1, 'once');
  });

  test('activated later: welcomed then (asked to set a PIN), and reminded of the PIN once', async () => {
    // Made inactive, so nobody can sign in as Gerd yet: the operator adds him.
    const made = await admin.post('/api/v1/subscribers', {
      name: 'Gerd',
      addresses: ['tel:+15551002'],
      status: 'inactive',
      language: 'de',
      notificationPreferences: { rules: EVERYTHING },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const gerd = { id: made.body.id as string, number: '+15551002' };
    await pause(7000);
    assert.equal(notices(gerd.number, 'welcome').length, 0, 'inactive: no welcome');
    await admin.patch(`/api/v1/subscribers/${gerd.id}`, { status: 'active' });
    const [welcome] = await waitFor(gerd.number, 'welcome');
    assert.match(welcome!.body.notice.subject, /Willkommen/);
    assert.match(welcome!.body.notice.text, /PIN fest/);
    const [reminder] = await waitFor(gerd.number, 'pin-reminder');
    assert.match(reminder!.body.notice.text, /keine PIN/);
    await pause(3000);
    assert.equal(notices(gerd.number, 'pin-reminder').length, 1, 'once');
    assert.equal(notices(ann.number, 'pin-reminder').length, 0, 'Ann has a PIN');
  });

  test('nearly full: one notice per crossing of the share, not one per message', async () => {
    const cid = await person('Cid', '+15551003', { pin: '4711', quotaBytes: 10_000 });
    await waitFor(cid.number, 'welcome');
    await send(ann, cid, 'x'.repeat(3000));
    await pause(2000);
    assert.equal(notices(cid.number, 'nearly-full').length, 0, 'under half');
    const big = await send(ann, cid, 'y'.repeat(3000));
    const [full] = await waitFor(cid.number, 'nearly-full');
    assert.match(full!.body.notice.text, /nearly full: \d kB of 10 kB/);
    await send(ann, cid, 'z'.repeat(500));
    await pause(2500);
    assert.equal(notices(cid.number, 'nearly-full').length, 1, 'still over: no second notice');
    // Under the share again, then over it: a new crossing, a new notice.
    assert.equal((await cid.client.delete(`/api/v1/messages/${big}?permanent=true`)).status, 200);
    await pause(2000);
    await send(ann, cid, 'w'.repeat(3000));
    await waitFor(cid.number, 'nearly-full', 2);
  });

  test('messages about to expire are listed in one notice, with links', async () => {
    const dee = await person('Dee', '+15551004', { pin: '4711' });
    await waitFor(dee.number, 'welcome');
    const keep = await send(ann, dee, 'will expire soon');
    await pause(1500);
    assert.equal(notices(dee.number, 'expiring').length, 0, 'no retention, nothing expires');
    await admin.patch(`/api/v1/subscribers/${dee.id}`, { retentionDays: 1 });
    const [notice] = await waitFor(dee.number, 'expiring');
    const text: string = notice!.body.notice.text;
    assert.match(text, /will be deleted/);
    assert.match(text, /will expire soon/);
    assert.match(text, /\/l\/[A-Za-z0-9_-]{20,}/, 'each listed message has its link');
    await pause(3000);
    assert.equal(notices(dee.number, 'expiring').length, 1, 'at most once a day');
    assert.ok(keep);
  });

  test('filters: sender include and exclude, business hours; filtered messages cause no notice', async () => {
    const bea = await person('Bea', '+15551006', { pin: '4711' });
    const gus = await person('Gus', '+15552001', { pin: '4711' });
    const today = DAYS[new Date().getUTCDay()]!;
    const tomorrow = DAYS[(new Date().getUTCDay() + 1) % 7]!;
    const rules = (gusDay: string) => [
      {
        messageType: 'text',
        channels: ['webhook'],
        from: { include: ['+155510*'], exclude: ['+15551006'] },
      },
      {
        messageType: 'text',
        channels: ['webhook'],
        from: { include: ['tel:+15552001'] },
        hours: { days: [gusDay], start: '00:00', end: '00:00' },
      },
    ];
    const fay = await person('Fay', '+15551007', {
      pin: '4711',
      timeZone: 'UTC',
      notificationPreferences: { rules: rules(tomorrow) },
    });
    const fromAnn = await send(ann, fay, 'from Ann');
    const fromBea = await send(bea, fay, 'from Bea');
    const fromGus = await send(gus, fay, 'from Gus on the wrong day');
    // Notices are committed with the message: what the filters decided is there already.
    assert.equal((await noticeDeliveries(fromAnn)).length, 1, 'included prefix');
    assert.equal((await noticeDeliveries(fromBea)).length, 0, 'excluded number');
    assert.equal((await noticeDeliveries(fromGus)).length, 0, 'outside his hours');
    const patched = await fay.client.patch('/api/v1/me', {
      notificationPreferences: { rules: rules(today) },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await pause(5500); // the directory remembers a subscriber for up to 5 s
    const gusAgain = await send(gus, fay, 'from Gus on his day');
    assert.equal((await noticeDeliveries(gusAgain)).length, 1, 'inside his hours');
    const arrived = await waitFor(fay.number, 'new-message', 2);
    assert.deepEqual(
      arrived.map((r) => r.body.notice.messageId).sort(),
      [fromAnn, gusAgain].sort(),
    );
  });

  test('a digest instead of one notice per message: one notice listing them with links', async () => {
    // No notice per message: the older has none; the newest carries at most the digest's own.
    assert.deepEqual(await noticeDeliveries(eveMessages[0]!), []);
    assert.ok((await noticeDeliveries(eveMessages[1]!)).length <= 1);
    const [digest] = await waitFor(eve.number, 'digest', 1, 90_000);
    const listed = digest!.body.notice.messages;
    assert.deepEqual(
      listed.map((m: any) => m.id),
      eveMessages,
    );
    assert.ok(listed.every((m: any) => /\/l\//.test(m.link)));
    // The link opens the message without signing in.
    const opened = await fetch(listed[0].link);
    assert.equal(opened.status, 200);
    for (const m of listed) assert.ok(digest!.body.notice.text.includes(m.link));
    assert.match(digest!.body.notice.subject, /2 new messages/);
    assert.equal(notices(eve.number, 'new-message').length, 0);
  });
});
