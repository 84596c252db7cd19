import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from './harness.js';
import { eventually, WebhookReceiver } from './receiver.js';

const QUEUE_ENV = {
  SWITCHBOARD_DELIVERY_POLL_MS: '100',
  SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '150',
  SWITCHBOARD_DELIVERY_RETRY_MAX_MS: '500',
};
const SECRET_A = 'secret-of-hook-a-0123456789';
const SECRET_B = 'secret-of-hook-b-0123456789';

async function deliveriesOf(admin: Client, messageId: string) {
  return (await admin.get(`/api/v1/deliveries?messageId=${messageId}`)).body.deliveries as any[];
}

async function finalDeliveries(admin: Client, messageId: string, count = 1) {
  return eventually(async () => {
    const list = await deliveriesOf(admin, messageId);
    return list.length === count && list.every((d) => ['S', 'F', 'E'].includes(d.status))
      ? list
      : undefined;
  }, `the deliveries of ${messageId} to end`);
}

describe('routing, billing, retries and receipts', () => {
  let server: ServerProcess;
  let admin: Client;
  let hookA: WebhookReceiver;
  let hookB: WebhookReceiver;
  let ids: { a: string; b: string };
  let ann: { client: Client; id: string };
  let gerd: { client: Client; id: string };

  before(async () => {
    server = await ServerProcess.start(QUEUE_ENV);
    admin = new Client(server.url, ADMIN_TOKEN);
    hookA = await new WebhookReceiver(SECRET_A).start();
    hookB = await new WebhookReceiver(SECRET_B).start();
    const a = await admin.post('/api/v1/resources', {
      name: 'hook-a',
      type: 'webhook',
      config: { url: hookA.url },
      secret: SECRET_A,
      currency: 'EUR',
      channels: 4,
      rates: [
        { prefix: '+49', price: 0.05 },
        { prefix: '+33', price: 0.02 },
      ],
    });
    const b = await admin.post('/api/v1/resources', {
      name: 'hook-b',
      type: 'webhook',
      config: { url: hookB.url },
      secret: SECRET_B,
      currency: 'EUR',
      channels: 4,
      rates: [
        { prefix: '+49', price: 0.03 },
        { prefix: '+33', price: 0.04 },
      ],
    });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(b.status, 201, JSON.stringify(b.body));
    ids = { a: a.body.id, b: b.body.id };
    ann = await subscriberClient(server, {
      name: 'Ann',
      addresses: ['tel:+15550001'],
      language: 'en',
    });
    gerd = await subscriberClient(server, {
      name: 'Gerd',
      addresses: ['tel:+15550002'],
      language: 'de',
    });
  });
  after(async () => {
    await server.dispose();
    await hookA.stop();
    await hookB.stop();
  });

  test('the cheaper resource carries it, signed; the CDR has its rate; disabled, the other takes over', async () => {
    const sent = await ann.client.post('/api/v1/messages', {
      to: ['tel:+4930111'],
      subject: 'Cheapest route',
      text: 'hello Berlin',
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const messageId = sent.body.copies[0].messageId;
    const [d] = await finalDeliveries(admin, messageId);
    assert.equal(d.status, 'S');
    assert.equal(d.resourceId, ids.b, '+49 costs 0.03 on hook-b and 0.05 on hook-a');
    const got = hookB.requests.find((r) => r.key === d.id)!;
    assert.ok(got.signatureValid, 'the HMAC over the body verifies with hook-b’s secret');
    assert.equal(got.body.message.subject, 'Cheapest route');
    assert.equal(
      Buffer.from(got.body.message.parts[0].content, 'base64').toString(),
      'hello Berlin',
    );
    assert.equal(hookA.requests.length, 0);

    const cdrs = (await admin.get(`/api/v1/cdrs?subscriberId=${ann.id}`)).body.cdrs;
    const cdr = cdrs.find((c: any) => c.deliveryId === d.id);
    assert.deepEqual(
      [cdr.resourceId, cdr.rate, cdr.cost, cdr.currency, cdr.result, cdr.units],
      [ids.b, 0.03, 0.03, 'EUR', 'sent', 1],
    );

    // To +33, hook-a is the cheaper one.
    const paris = await ann.client.post('/api/v1/messages', {
      to: ['tel:+33144556677'],
      text: 'bonjour',
    });
    assert.equal(
      (await finalDeliveries(admin, paris.body.copies[0].messageId))[0].resourceId,
      ids.a,
    );

    assert.equal(
      (await admin.patch(`/api/v1/resources/${ids.b}`, { status: 'I' })).body.status,
      'I',
    );
    const next = await ann.client.post('/api/v1/messages', { to: ['tel:+4930222'], text: 'again' });
    const [d2] = await finalDeliveries(admin, next.body.copies[0].messageId);
    assert.equal(d2.resourceId, ids.a, 'with hook-b disabled, hook-a carries +49');
    assert.ok(hookA.requests.find((r) => r.key === d2.id)!.signatureValid);
    const cdr2 = (await admin.get(`/api/v1/cdrs?subscriberId=${ann.id}`)).body.cdrs.find(
      (c: any) => c.deliveryId === d2.id,
    );
    assert.deepEqual([cdr2.rate, cdr2.cost], [0.05, 0.05]);
    const csv = (await admin.get(`/api/v1/cdrs?format=csv&subscriberId=${ann.id}`)).body.toString();
    assert.match(
      csv,
      /^id,deliveryId,subscriberId,resourceId,destination,attempt,result,unit,units,rate,cost,currency,startedAt,endedAt\r\n/,
    );
    assert.equal(csv.trim().split('\r\n').length, 4, 'a header and one line per attempt');
    assert.equal(
      (await admin.patch(`/api/v1/resources/${ids.b}`, { status: 'A' })).body.status,
      'A',
    );
  });

  test('500 twice then 200: retried with the same idempotency key, ends S', async () => {
    hookB.answer = (body, seen) => (body.message.subject === 'Flaky' && seen < 2 ? 500 : 200);
    const sent = await ann.client.post('/api/v1/messages', {
      to: ['tel:+4930333'],
      subject: 'Flaky',
      text: 'try again',
    });
    const [d] = await finalDeliveries(admin, sent.body.copies[0].messageId);
    assert.equal(d.status, 'S');
    const tries = hookB.requests.filter((r) => r.body.message.subject === 'Flaky');
    assert.equal(tries.length, 3);
    assert.deepEqual(
      new Set(tries.map((t) => t.key)),
      new Set([d.id]),
      'each try carries the delivery id',
    );
    assert.equal(d.attempts, 3);
    assert.equal(d.errorLog.length, 2);
    assert.match(d.errorLog[0].error, /answered 500/);
    const cdrs = (await admin.get(`/api/v1/cdrs?subscriberId=${ann.id}`)).body.cdrs.filter(
      (c: any) => c.deliveryId === d.id,
    );
    assert.deepEqual(
      cdrs.map((c: any) => [c.result, c.cost]),
      [
        ['retry', 0],
        ['retry', 0],
        ['sent', 0.03],
      ],
      'a CDR per attempt; only the sent one costs',
    );
    hookB.answer = () => 200;
  });

  test('400 fails it, and the sender gets a receipt with the error in their own language', async () => {
    hookB.answer = (body) => (body.message.subject?.startsWith('Refused') ? 400 : 200);
    const cases = [
      {
        who: ann,
        subject: 'Refused for Ann',
        title: /^Not delivered: Refused for Ann$/,
        text: /could not be delivered to tel:\+4930444[\s\S]*answered 400/,
      },
      {
        who: gerd,
        subject: 'Refused für Gerd',
        title: /^Nicht zugestellt: Refused für Gerd$/,
        text: /konnte nicht an tel:\+4930444 zugestellt werden[\s\S]*Fehlerprotokoll[\s\S]*answered 400/,
      },
    ];
    for (const c of cases) {
      const sent = await c.who.client.post('/api/v1/messages', {
        to: ['tel:+4930444'],
        subject: c.subject,
        text: 'no',
      });
      const [d] = await finalDeliveries(admin, sent.body.copies[0].messageId);
      assert.equal(d.status, 'F');
      assert.equal(d.attempts, 1, 'a 4xx is not retried');
      const receipt = await eventually(async () => {
        const inbox = (await c.who.client.get('/api/v1/messages?folder=inbox')).body.messages;
        return inbox.find((m: any) => c.title.test(m.subject));
      }, 'the receipt');
      assert.equal(receipt.from, 'mailto:postmaster@localhost');
      const text = (
        await c.who.client.get(`/api/v1/messages/${receipt.id}/parts/1`)
      ).body.toString();
      assert.match(text, c.text);
    }
    hookB.answer = () => 200;
  });

  test('a broadcast to three recipients gives three deliveries, each with its status', async () => {
    const sent = await ann.client.post('/api/v1/messages', {
      to: ['tel:+4930501', 'tel:+4930502', 'tel:+33100000'],
      text: 'to all',
    });
    const list = await finalDeliveries(admin, sent.body.copies[0].messageId, 3);
    assert.deepEqual(list.map((d) => d.recipient).sort(), [
      'tel:+33100000',
      'tel:+4930501',
      'tel:+4930502',
    ]);
    assert.ok(list.every((d) => d.status === 'S'));
    assert.equal(new Set(list.map((d) => d.id)).size, 3);
  });

  test('a scheduled message waits for its time', async () => {
    const at = new Date(Date.now() + 2500).toISOString();
    const sent = await ann.client.post('/api/v1/messages', {
      to: ['tel:+4930600'],
      subject: 'Later',
      text: 'at its time',
      scheduledAt: at,
    });
    const [pending] = await deliveriesOf(admin, sent.body.copies[0].messageId);
    assert.equal(pending.status, 'P');
    assert.equal(pending.nextAttemptAt, at);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(
      (await deliveriesOf(admin, sent.body.copies[0].messageId))[0].status,
      'P',
      'still waiting',
    );
    const [d] = await finalDeliveries(admin, sent.body.copies[0].messageId);
    assert.equal(d.status, 'S');
    const arrived = hookB.requests.find((r) => r.key === d.id)!;
    assert.ok(arrived.at >= Date.parse(at), 'not before its time');
  });

  test('an expired message ends E without being sent, with a receipt', async () => {
    const sent = await ann.client.post('/api/v1/messages', {
      to: ['tel:+4930700'],
      subject: 'Too late',
      text: 'stale',
      scheduledAt: new Date(Date.now() + 3000).toISOString(),
      expiresAt: new Date(Date.now() + 800).toISOString(),
    });
    const [d] = await finalDeliveries(admin, sent.body.copies[0].messageId);
    assert.equal(d.status, 'E');
    assert.equal(d.attempts, 0);
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(![...hookA.requests, ...hookB.requests].some((r) => r.key === d.id), 'never sent');
    await eventually(
      async () => (await ann.client.get('/api/v1/messages?q=expired')).body.messages.length > 0,
      'the expiry receipt',
    );
  });

  test('a subscriber over their spend limit is refused before sending', async () => {
    const thrifty = await subscriberClient(server, {
      name: 'Thrifty',
      addresses: ['tel:+15550009'],
      spendLimit: 0.04,
    });
    const first = await thrifty.client.post('/api/v1/messages', {
      to: ['tel:+4930800'],
      text: 'within the limit',
    });
    assert.equal(
      (await finalDeliveries(admin, first.body.copies[0].messageId))[0].status,
      'S',
      '0.03 of 0.04',
    );
    const second = await thrifty.client.post('/api/v1/messages', {
      to: ['tel:+4930801'],
      text: 'over the limit',
    });
    const [d] = await finalDeliveries(admin, second.body.copies[0].messageId);
    assert.equal(d.status, 'F');
    assert.match(d.lastError, /spend limit reached/);
    assert.ok(
      ![...hookA.requests, ...hookB.requests].some((r) => r.key === d.id),
      'nothing was sent',
    );
    const cdrs = (await admin.get(`/api/v1/cdrs?subscriberId=${thrifty.id}`)).body.cdrs;
    assert.equal(cdrs.length, 1, 'no attempt, so no CDR, for the refused one');
  });

  test('a part too large to send inline travels as a signed link the receiver can fetch', async () => {
    await admin.patch(`/api/v1/resources/${ids.b}`, {
      config: { url: hookB.url, inlineMaxBytes: 1000 },
    });
    const big = Buffer.alloc(5000, 42);
    const sent = await ann.client.post('/api/v1/messages', {
      to: ['tel:+4930950'],
      subject: 'With a link',
      text: 'small text stays inline',
      attachments: [
        {
          filename: 'big.bin',
          contentType: 'application/octet-stream',
          content: big.toString('base64'),
        },
      ],
    });
    const [d] = await finalDeliveries(admin, sent.body.copies[0].messageId);
    const parts = hookB.requests.find((r) => r.key === d.id)!.body.message.parts;
    assert.ok(parts[0].content, 'the text part is inline');
    assert.match(
      parts[1].url,
      /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/links\/parts\/.+\?expires=\d+&sig=/,
    );
    const fetched = await fetch(parts[1].url);
    assert.equal(fetched.status, 200);
    assert.ok(
      Buffer.from(await fetched.arrayBuffer()).equals(big),
      'no session needed, same bytes',
    );
    const forged = await fetch(parts[1].url.replace(/sig=[^&]+/, 'sig=forged'));
    assert.equal(forged.status, 401);
    await admin.patch(`/api/v1/resources/${ids.b}`, { config: { url: hookB.url } });
  });

  test('operators see the queue and the resources; subscribers only their own deliveries', async () => {
    const resources = (await admin.get('/api/v1/resources')).body.resources;
    assert.deepEqual(
      resources.map((r: any) => [r.name, r.status, r.busyChannels]),
      [
        ['hook-a', 'A', '0000'],
        ['hook-b', 'A', '0000'],
      ],
    );
    assert.ok(resources.every((r: any) => r.hasSecret && !('secret' in r)));
    const mine = (await gerd.client.get('/api/v1/deliveries')).body.deliveries;
    assert.ok(mine.length > 0 && mine.every((d: any) => d.subscriberId === gerd.id));
    assert.equal((await gerd.client.get('/api/v1/resources')).status, 403);
    const metrics = (await new Client(server.url).get('/metrics')).body.toString();
    assert.match(metrics, /switchboard_queue_depth\{status="S"\} \d+/);
    assert.match(
      metrics,
      /switchboard_deliveries_finished_total\{status="F",kind="message"\} [1-9]/,
    );
    assert.match(metrics, /switchboard_delivery_latency_seconds_count\{status="S"\} [1-9]/);
  });
});

describe('priority and holding', () => {
  let server: ServerProcess;
  let admin: Client;
  let hook: WebhookReceiver;

  before(async () => {
    server = await ServerProcess.start(QUEUE_ENV);
    admin = new Client(server.url, ADMIN_TOKEN);
    hook = await new WebhookReceiver(SECRET_A).start();
    hook.delayMs = 20;
  });
  after(async () => {
    await server.dispose();
    await hook.stop();
  });

  test('with no resource deliveries are held; once one exists, priority beats arrival order', async () => {
    const ann = await subscriberClient(server, { name: 'Ann', addresses: ['tel:+15550001'] });
    const order = ['low', 'low', 'normal', 'low', 'high', 'normal', 'high', 'low'];
    const ids: Record<string, string> = {};
    for (const [i, priority] of order.entries()) {
      const sent = await ann.client.post('/api/v1/messages', {
        to: [`tel:+4930900${i}`],
        subject: `${priority}-${i}`,
        text: 'x',
        priority,
      });
      ids[sent.body.deliveries[0].id] = priority;
    }
    const held = await eventually(async () => {
      const list = (await admin.get('/api/v1/deliveries?status=H')).body.deliveries;
      return list.length === order.length ? list : undefined;
    }, 'all to be held');
    assert.ok(held.every((d: any) => d.holdReason === 'no-resource'));
    const metrics = (await new Client(server.url).get('/metrics')).body.toString();
    assert.match(metrics, /switchboard_deliveries_held_total 8/);

    // One channel: they leave one at a time, in the queue's order.
    await admin.post('/api/v1/resources', {
      name: 'only',
      type: 'webhook',
      config: { url: hook.url },
      secret: SECRET_A,
      channels: 1,
      rates: [{ prefix: '*', price: 0 }],
    });
    await eventually(async () => hook.keys().size === order.length, 'every delivery to arrive');
    const arrived = hook.requests.map((r) => ids[r.key]);
    assert.deepEqual(arrived, ['high', 'high', 'normal', 'normal', 'low', 'low', 'low', 'low']);
  });

  test('an operator holds and retries a delivery', async () => {
    const admin2 = new Client(server.url, ADMIN_TOKEN);
    const ann = await subscriberClient(server, { name: 'Bea', addresses: ['tel:+15550003'] });
    const resource = (await admin2.get('/api/v1/resources')).body.resources[0];
    await admin2.patch(`/api/v1/resources/${resource.id}`, { status: 'I' });
    const sent = await ann.client.post('/api/v1/messages', {
      to: ['tel:+4930999'],
      text: 'held by hand',
      scheduledAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const id = sent.body.deliveries[0].id;
    const held = await admin2.post(`/api/v1/deliveries/${id}/hold`);
    assert.equal(held.body.status, 'H');
    assert.equal(held.body.holdReason, 'operator');
    await admin2.patch(`/api/v1/resources/${resource.id}`, { status: 'A' });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(
      (await admin2.get(`/api/v1/deliveries/${id}`)).body.status,
      'H',
      'enabling a resource does not release an operator hold',
    );
    assert.equal((await admin2.post(`/api/v1/deliveries/${id}/retry`)).body.status, 'R');
    await eventually(
      async () => (await admin2.get(`/api/v1/deliveries/${id}`)).body.status === 'S',
      'the retried delivery to be sent',
    );
    assert.equal(
      (await admin2.post(`/api/v1/deliveries/${id}/hold`)).status,
      409,
      'a sent delivery cannot be held',
    );
  });
});

describe('a failing resource', () => {
  let server: ServerProcess;
  let broken: WebhookReceiver;
  let backup: WebhookReceiver;

  before(async () => {
    server = await ServerProcess.start({ ...QUEUE_ENV, SWITCHBOARD_RESOURCE_FAILURE_LIMIT: '3' });
    broken = await new WebhookReceiver(SECRET_A).start();
    broken.answer = () => 503;
    backup = await new WebhookReceiver(SECRET_B).start();
  });
  after(async () => {
    await server.dispose();
    await broken.stop();
    await backup.stop();
  });

  test('is taken out of service after repeated failures, and its work moves to the next resource', async () => {
    const admin = new Client(server.url, ADMIN_TOKEN);
    const cheap = await admin.post('/api/v1/resources', {
      name: 'cheap-broken',
      type: 'webhook',
      config: { url: broken.url },
      secret: SECRET_A,
      rates: [{ prefix: '*', price: 0.01 }],
    });
    await admin.post('/api/v1/resources', {
      name: 'dear-backup',
      type: 'webhook',
      config: { url: backup.url },
      secret: SECRET_B,
      rates: [{ prefix: '*', price: 0.09 }],
    });
    const ann = await subscriberClient(server, { name: 'Ann', addresses: ['tel:+15550001'] });
    const sent = await ann.client.post('/api/v1/messages', {
      to: ['tel:+4930123', 'tel:+4930124'],
      text: 'must arrive',
    });
    const list = await finalDeliveries(admin, sent.body.copies[0].messageId, 2);
    assert.ok(
      list.every((d) => d.status === 'S'),
      JSON.stringify(list.map((d) => [d.status, d.lastError])),
    );
    assert.equal(backup.keys().size, 2, 'both arrived through the backup');
    assert.equal(broken.requests.length, 3, 'three failures in a row, then no more work');
    const resource = (await admin.get(`/api/v1/resources/${cheap.body.id}`)).body;
    assert.equal(resource.status, 'I');
    assert.match(resource.statusReason, /3 attempts in a row failed; last: .*answered 503/);
    const metrics = (await new Client(server.url).get('/metrics')).body.toString();
    assert.match(metrics, /switchboard_resources_disabled_total\{resource="cheap-broken"\} 1/);
  });
});

describe('notification rules', () => {
  let server: ServerProcess;
  let hook: WebhookReceiver;

  before(async () => {
    server = await ServerProcess.start(QUEUE_ENV);
    hook = await new WebhookReceiver(SECRET_A).start();
    const admin = new Client(server.url, ADMIN_TOKEN);
    await admin.post('/api/v1/resources', {
      name: 'notify-hook',
      type: 'webhook',
      config: { url: hook.url },
      secret: SECRET_A,
      channels: 2,
      rates: [{ prefix: '*', price: 0 }],
    });
  });
  after(async () => {
    await server.dispose();
    await hook.stop();
  });

  test('quiet hours hold a normal message’s notice until they end; an urgent one goes at once', async () => {
    const clock = (d: Date) => d.toISOString().slice(11, 19);
    const now = new Date();
    const end = new Date(now.getTime() + 4000);
    await subscriberClient(server, {
      name: 'Bob',
      addresses: ['tel:+15550002'],
      language: 'de',
      timeZone: 'UTC',
      notificationPreferences: {
        rules: [{ messageType: '*', channels: ['webhook'] }],
        quietHours: { start: clock(new Date(now.getTime() - 60_000)), end: clock(end) },
      },
    });
    const ann = await subscriberClient(server, { name: 'Ann', addresses: ['tel:+15550001'] });
    const quiet = await ann.client.post('/api/v1/messages', {
      to: ['tel:+15550002'],
      subject: 'Can wait',
      text: 'normal',
    });
    const urgent = await ann.client.post('/api/v1/messages', {
      to: ['tel:+15550002'],
      subject: 'Now',
      text: 'urgent',
      urgent: true,
    });
    const noticeOf = (post: any) =>
      post.body.deliveries.find((d: any) => d.recipient === 'tel:+15550002');
    const quietNotice = noticeOf(quiet);
    const urgentNotice = noticeOf(urgent);
    assert.ok(quietNotice && urgentNotice, 'both messages caused a notice');

    await eventually(async () => hook.keys().has(urgentNotice.id), 'the urgent notice');
    const got = hook.requests.find((r) => r.key === urgentNotice.id)!;
    assert.equal(got.body.notice.urgent, true);
    assert.match(
      got.body.notice.text,
      /neue dringende Nachricht von \+15550001: Now\./,
      'in Bob’s language',
    );
    assert.equal(got.body.delivery.kind, 'notification');
    assert.ok(
      !hook.keys().has(quietNotice.id),
      'the normal notice waits for the quiet hours to end',
    );

    await eventually(async () => hook.keys().has(quietNotice.id), 'the held notice', 15_000);
    const arrival = hook.requests.find((r) => r.key === quietNotice.id)!.at;
    assert.ok(
      arrival >= Math.floor(end.getTime() / 1000) * 1000,
      'not before the quiet hours ended',
    );
  });

  test('urgent-only rules skip normal messages', async () => {
    const cara = await subscriberClient(server, {
      name: 'Cara',
      addresses: ['tel:+15550004'],
      notificationPreferences: {
        rules: [{ messageType: 'text', channels: ['webhook'], urgentOnly: true }],
      },
    });
    const sent = await cara.client.post('/api/v1/messages', {
      to: ['tel:+15550004'],
      text: 'note to self',
    });
    assert.equal(sent.body.deliveries.length, 0);
    const urgent = await cara.client.post('/api/v1/messages', {
      to: ['tel:+15550004'],
      text: 'important',
      urgent: true,
    });
    assert.equal(urgent.body.deliveries.length, 1);
  });
});
