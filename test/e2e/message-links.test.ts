import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually, WebhookReceiver } from './receiver.js';

/**
 * The web link in a notice (here a webhook notice's `link`) opens its message without signing
 * in while it is valid, and not after it expires (SWITCHBOARD_MESSAGE_LINK_SECONDS, short here)
 * or once the message is deleted.
 */
const SECRET = 'secret-of-the-notice-hook-01';
let server: ServerProcess;
let hook: WebhookReceiver;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };

before(async () => {
  hook = await new WebhookReceiver(SECRET).start();
  server = await ServerProcess.start({
    SWITCHBOARD_MESSAGE_LINK_SECONDS: '6',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
  });
  const admin = new Client(server.url, ADMIN_TOKEN);
  const added = await admin.post('/api/v1/resources', {
    name: 'notices',
    type: 'webhook',
    config: { url: hook.url },
    secret: SECRET,
    rates: [{ prefix: '*', price: 0 }],
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['tel:+15550001'],
    notificationPreferences: { rules: [{ messageType: 'text', channels: ['webhook'] }] },
  });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['tel:+15550002'] });
});

after(async () => {
  await server?.dispose();
  await hook?.stop();
});

/** Bob writes to Ann; gives the link her notice carries and the message's id. */
async function noticeLink(subject: string): Promise<{ link: string; id: string }> {
  const sent = await bob.client.post('/api/v1/messages', {
    to: ['tel:+15550001'],
    subject,
    text: `About ${subject}: the crane arrives on Tuesday.`,
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const id = sent.body.copies.find((c: any) => c.address === 'tel:+15550001').messageId;
  const notice = await eventually(
    async () =>
      hook.requests.find((r) => r.body.message?.id === id || r.body.notice?.messageId === id),
    `the notice about ${subject}`,
  );
  assert.ok(notice.signatureValid);
  return { link: notice.body.notice.link, id };
}

test('the link opens the message without signing in, then expires', async () => {
  const { link } = await noticeLink('Crane');
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/l\/[\w-]{43}$/);
  const opened = await fetch(link);
  assert.equal(opened.status, 200);
  const page = await opened.text();
  assert.match(page, /<h1>Crane<\/h1>/);
  assert.match(page, /About Crane: the crane arrives on Tuesday\./);
  assert.match(page, /15550002/);
  // No session, no cookie: the token alone opened it; the API without one still refuses.
  assert.equal((await fetch(`${server.url}/api/v1/messages`)).status, 401);

  await new Promise((r) => setTimeout(r, 6500));
  const expired = await fetch(link);
  assert.equal(expired.status, 410);
  assert.match(await expired.text(), /This link has expired/);
});

test('the link stops opening the message once it is deleted', async () => {
  const { link, id } = await noticeLink('Invoice');
  assert.equal((await fetch(link)).status, 200);
  assert.equal((await ann.client.delete(`/api/v1/messages/${id}`)).status, 200);
  const gone = await fetch(link);
  assert.equal(gone.status, 404);
  assert.match(await gone.text(), /no longer available/);
});
