import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN, Client, ROOT, ServerProcess, subscriberClient } from '../e2e/harness.js';
import { eventually, WebhookReceiver } from '../e2e/receiver.js';
import { launchBrowser, signIn } from './browser.js';

/**
 * The operator's console in Debian's Chromium: Olga (an admin) watches a resource fail and come
 * back, holds and retries a delivery, and reads the day's usage; Ann (a subscriber) never sees it.
 * With SWITCHBOARD_SCREENSHOTS=docs/screenshots it also saves the pictures there.
 */
const SECRET = 'console-test-hook-secret-0123';
const SHOTS = process.env.SWITCHBOARD_SCREENSHOTS
  ? join(ROOT, process.env.SWITCHBOARD_SCREENSHOTS)
  : null;

let server: ServerProcess;
let browser: Browser;
let page: Page;
let admin: Client;
let hook: WebhookReceiver;
let ann: { client: Client; id: string };
const ids: Record<string, string> = {};

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
    SWITCHBOARD_DELIVERY_RETRY_BASE_MS: '150',
    SWITCHBOARD_DELIVERY_RETRY_MAX_MS: '500',
    // One failed attempt takes a resource out of service, so the test need not wait for five.
    SWITCHBOARD_RESOURCE_FAILURE_LIMIT: '1',
  });
  admin = new Client(server.url, ADMIN_TOKEN);
  hook = await new WebhookReceiver(SECRET).start();
  hook.answer = (body) => (body.message.subject === 'Break' ? 500 : 200);
  for (const [name, prefix, price] of [
    ['hook-de', '+49', 0.05],
    ['hook-fr', '+33', 0.02],
  ] as const) {
    const created = await admin.post('/api/v1/resources', {
      name,
      type: 'webhook',
      config: { url: hook.url },
      secret: SECRET,
      currency: 'EUR',
      channels: 4,
      rates: [{ prefix, price }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    ids[name] = created.body.id;
  }
  ann = await subscriberClient(server, { name: 'Ann', addresses: ['tel:+15550001'] });
  await subscriberClient(server, {
    name: 'Olga',
    addresses: ['mailto:olga@ops.test'],
    role: 'admin',
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  await signIn(page, server.url, 'olga@ops.test', 'Olga long password');
});
after(async () => {
  await browser?.close();
  await server?.dispose();
  await hook?.stop();
});

async function send(body: Record<string, unknown>): Promise<string> {
  const sent = await ann.client.post('/api/v1/messages', body);
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const messageId = sent.body.copies[0].messageId;
  return eventually(async () => {
    const list = (await admin.get(`/api/v1/deliveries?messageId=${messageId}`)).body.deliveries;
    return list[0]?.id as string | undefined;
  }, 'its delivery');
}

const statusOf = async (deliveryId: string) =>
  (await admin.get(`/api/v1/deliveries/${deliveryId}`)).body.status as string;

test('a resource going out of service shows without a reload, and Enable brings it back', async () => {
  await page.getByRole('link', { name: 'Console' }).click();
  const row = page.locator('tr[data-resource="hook-de"]');
  await row.locator('.bitmap').waitFor();
  assert.equal(await row.getAttribute('data-status'), 'A');
  assert.equal(await row.locator('.bitmap .slot').count(), 4, 'a square per channel');
  assert.equal(await row.locator('.bitmap').getAttribute('aria-label'), '0 of 4 channels busy');
  // Survives only if the page is never reloaded.
  await page.evaluate(() => ((window as any).stillTheSamePage = true));

  const broken = await send({ to: ['tel:+4930111'], subject: 'Break', text: 'fails once' });
  await page.locator('tr[data-resource="hook-de"][data-status="I"]').waitFor({ timeout: 10_000 });
  assert.match(await row.innerText(), /Inactive[\s\S]*500/, 'the reason names the failure');
  assert.equal(await page.evaluate(() => (window as any).stillTheSamePage), true);
  assert.equal(await page.getByRole('status').first().innerText(), '1 of 2 resources in service');
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'console-resources.png'), fullPage: true });
  }

  hook.answer = () => 200;
  await row.getByRole('button', { name: 'Enable hook-de' }).click();
  await page.locator('tr[data-resource="hook-de"][data-status="A"]').waitFor();
  assert.equal((await admin.get(`/api/v1/resources/${ids['hook-de']}`)).body.status, 'A');
  await eventually(async () => (await statusOf(broken)) === 'S', 'the failed message to go out');

  // A slow receiver keeps a channel busy long enough for the page to see it.
  hook.delayMs = 3000;
  const slow = await send({ to: ['tel:+4930333'], subject: 'Slow', text: 'takes a while' });
  await row.locator('.bitmap .slot.busy').waitFor({ timeout: 5000 });
  assert.equal(await row.locator('.bitmap').getAttribute('aria-label'), '1 of 4 channels busy');
  assert.equal(await row.locator('.bitmap').getAttribute('data-bitmap'), '1000');
  hook.delayMs = 0;
  await eventually(async () => (await statusOf(slow)) === 'S', 'the slow message to go out');
  await row.locator('.bitmap .slot.busy').waitFor({ state: 'detached' });
});

test('the queue lists a delivery by status; Hold holds it and Retry sends it', async () => {
  const later = new Date(Date.now() + 3_600_000).toISOString();
  const id = await send({ to: ['tel:+4930222'], subject: 'Later', text: 'x', scheduledAt: later });
  assert.equal(await statusOf(id), 'P');
  await page.goto(`${server.url}/#/console?tab=queue&status=P`);
  const pending = page.locator(`tr[data-id="${id}"]`);
  await pending.waitFor();
  await pending.getByRole('button', { name: 'Hold' }).click();
  await page.getByText('The delivery to +4930222 is on hold').waitFor();
  assert.equal(await statusOf(id), 'H');

  await page.locator('.status-counts a[data-status="H"]').click();
  const held = page.locator(`tr[data-id="${id}"][data-status="H"]`);
  await held.waitFor();
  assert.match(await held.innerText(), /operator/, 'the hold reason shows');
  assert.equal(await page.locator('.status-counts a[data-status="H"] .count').innerText(), '1');
  assert.equal(await held.getByRole('button', { name: 'Hold' }).count(), 0, 'already held');
  const depths = (await admin.get('/api/v1/deliveries/depths')).body;
  assert.deepEqual(
    depths.statuses.find((c: any) => c.status === 'H'),
    { status: 'H', count: 1 },
  );
  assert.deepEqual(
    depths.resources.find((c: any) => c.status === 'H'),
    { resourceId: null, status: 'H', count: 1 },
    'never routed, so held outside any resource',
  );
  assert.ok(depths.resources.every((c: any) => !['S', 'F', 'E'].includes(c.status)));

  await held.getByRole('button', { name: 'Retry' }).click();
  await page.getByText('The delivery to +4930222 is ready to be sent again').waitFor();
  await held.waitFor({ state: 'detached' });
  await eventually(async () => (await statusOf(id)) === 'S', 'the retried delivery to be sent');
  assert.ok(
    hook.requests.some((r) => r.key === id),
    'the receiver got it',
  );
});

test('usage shows bars for today per resource, and the CSV link downloads the rows', async () => {
  const paris = await send({ to: ['tel:+33144556677'], subject: 'Bonjour', text: 'x' });
  await eventually(async () => (await statusOf(paris)) === 'S', 'the Paris delivery');
  const cdrs = (await admin.get('/api/v1/cdrs')).body.cdrs as any[];
  const onDe = cdrs.filter((c) => c.resourceId === ids['hook-de']);
  // Break failed once then went out; Slow and Later went out: four attempts, three of them paid.
  assert.equal(onDe.length, 4);

  await page.goto(`${server.url}/#/console?tab=cdrs`);
  const d = new Date();
  const today = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const [attempts, cost] = [page.locator('svg.chart').nth(0), page.locator('svg.chart').nth(1)];
  await attempts.locator(`g.day[data-day="${today}"] rect.bar`).first().waitFor();
  const bar = (chart: typeof attempts, channel: string) =>
    chart.locator(`g.day[data-day="${today}"] rect.bar[data-channel="${channel}"]`);
  assert.equal(await bar(attempts, 'hook-de').getAttribute('data-value'), '4');
  assert.equal(await bar(attempts, 'hook-fr').getAttribute('data-value'), '1');
  assert.equal(Number(await bar(cost, 'hook-de').getAttribute('data-value')), 0.15);
  assert.equal(Number(await bar(cost, 'hook-fr').getAttribute('data-value')), 0.02);
  assert.ok(
    Number(await bar(attempts, 'hook-de').getAttribute('height')) >
      Number(await bar(attempts, 'hook-fr').getAttribute('height')),
    'four attempts stand taller than one',
  );
  assert.equal(
    await page.locator('svg.chart rect.bar').count(),
    4,
    'no bars on days without traffic',
  );
  await page.locator('select[name="by"]').selectOption('type');
  assert.equal(await bar(attempts, 'webhook').getAttribute('data-value'), '5');
  await page.locator('select[name="by"]').selectOption('resource');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, 'console-cdrs.png'), fullPage: true });

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  const csv = readFileSync((await download.path())!, 'utf8');
  const lines = csv.trim().split('\r\n');
  assert.match(lines[0]!, /^id,deliveryId,subscriberId,resourceId,destination,/);
  assert.equal(lines.length, cdrs.length + 1, 'a header and a line per attempt');
  assert.ok(cdrs.every((c) => csv.includes(c.id)));

  await page.getByLabel('From').fill('2020-01-02');
  await page.getByLabel('To').fill('2020-01-01');
  await page.getByRole('button', { name: 'Show' }).click();
  assert.match(await page.getByRole('alert').innerText(), /Pick a start date on or before/);
});

test('tabs work with the arrow keys, the console fits a phone and speaks German', async () => {
  await page.goto(`${server.url}/#/console?tab=resources`);
  await page.getByRole('tab', { name: 'Resources' }).focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => location.hash === '#/console?tab=queue');
  await page.waitForFunction(() => document.activeElement?.id === 'tab-queue');
  assert.equal(
    await page.getByRole('tab', { name: 'Queue' }).getAttribute('aria-selected'),
    'true',
  );
  await page.keyboard.press('End');
  await page.waitForFunction(() => location.hash === '#/console?tab=subscribers');

  await page.setViewportSize({ width: 375, height: 740 });
  for (const tab of ['resources', 'queue', 'cdrs', 'subscribers']) {
    await page.goto(`${server.url}/#/console?tab=${tab}`);
    await page.locator('[role="tabpanel"] h2').waitFor();
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `${tab} is ${overflow}px wider than a phone screen`);
  }
  await page.setViewportSize({ width: 1100, height: 760 });

  await page.locator('.topbar select').selectOption('de');
  await page.getByRole('tab', { name: 'Teilnehmer' }).waitFor();
  await page.getByRole('tab', { name: 'Ressourcen' }).click();
  await page.getByText('2 von 2 Ressourcen in Betrieb').waitFor();
  await page.locator('.topbar select').selectOption('en');
});

test('an admin adds a subscriber who can sign in, and deactivates them', async () => {
  await page.goto(`${server.url}/#/console?tab=subscribers`);
  await page.getByLabel('Name').fill('Carl');
  await page.getByLabel('Address').fill('+4930999');
  await page.getByLabel('Password').fill('Carl long password');
  await page.getByRole('button', { name: 'Add subscriber' }).click();
  await page.getByText('Carl was added and can sign in now.').waitFor();
  const row = page.locator('tr', { has: page.getByRole('rowheader', { name: 'Carl' }) });
  assert.match(await row.innerText(), /\+4930999[\s\S]*Subscriber[\s\S]*Active/);
  const signIn = () =>
    new Client(server.url).post('/api/v1/sessions', {
      address: 'tel:+4930999',
      password: 'Carl long password',
    });
  assert.equal((await signIn()).status, 201);

  await row.getByRole('button', { name: 'Deactivate Carl' }).click();
  await page.locator('tr[data-status="inactive"]', { hasText: 'Carl' }).waitFor();
  assert.notEqual((await signIn()).status, 201, 'an inactive subscriber cannot sign in');
  const self = page.locator('tr', { has: page.getByRole('rowheader', { name: 'Olga' }) });
  assert.equal(await self.getByRole('button').isDisabled(), true, 'no locking yourself out');

  // A taken address is refused with the server's reason, in the form.
  await page.getByLabel('Name').fill('Carl again');
  await page.getByLabel('Address').fill('+4930999');
  await page.getByLabel('Password').fill('another long password');
  await page.getByRole('button', { name: 'Add subscriber' }).click();
  assert.match(await page.locator('form [role="alert"]').innerText(), /Something went wrong/);
});

test('a subscriber gets no console: no link, the route shows messages, the API says 403', async () => {
  const context = await browser.newContext();
  const own = await context.newPage();
  try {
    await signIn(own, server.url, '+15550001', 'Ann long password');
    assert.equal(await own.getByRole('link', { name: 'Console' }).count(), 0);
    await own.goto(`${server.url}/#/console?tab=resources`);
    await own.locator('.inbox').waitFor();
    assert.equal(await own.locator('.console').count(), 0);
    // Inline arrows only: a named function would reach the page with tsx's __name helper.
    const statuses = await own.evaluate(
      (paths) =>
        Promise.all(
          paths.map((path) =>
            fetch(`/api/v1${path}`, {
              headers: { authorization: `Bearer ${sessionStorage.getItem('switchboard.token')}` },
            }).then((r) => r.status),
          ),
        ),
      ['/resources', '/deliveries/depths', '/subscribers'],
    );
    assert.deepEqual(statuses, [403, 403, 403]);
  } finally {
    await context.close();
  }
});
