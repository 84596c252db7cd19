import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { Client, ServerProcess, subscriberClient } from '../e2e/harness.js';
import { launchBrowser, screenshot, signIn } from './browser.js';

/**
 * Digests and rule filters on the settings screen, in Debian's Chromium against a started
 * server: what the form shows is checked against GET /api/v1/me, after a reload too, and values
 * the form or the server refuse are explained.
 */
let server: ServerProcess;
let browser: Browser;
let page: Page;
let ann: { client: Client; id: string };
let section: Locator;

before(async () => {
  server = await ServerProcess.start({ SWITCHBOARD_DOMAINS: 'a.test' });
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['mailto:ann@a.test', 'tel:+15550001'],
  });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
  await signIn(page, server.url, 'ann@a.test', 'Ann long password');
  await page.goto(`${server.url}/#/settings`);
  section = page.locator('section', {
    has: page.getByRole('heading', { name: 'Notifications' }),
  });
  await section.getByLabel('Voice: Email').waitFor();
});
after(async () => {
  await browser?.close();
  await server.dispose();
});

const me = async () => (await ann.client.get('/api/v1/me')).body;
const voiceConditions = () => section.locator('tr[data-conditions="voice"] details');
const accountDigest = () => section.locator('fieldset#digest');

test('a daily digest and a voice rule with filters are saved as the form shows them', async () => {
  // Account notices go somewhere another client chose; the form keeps that.
  await ann.client.patch('/api/v1/me', {
    notificationPreferences: { accountNotices: { channels: ['webhook'] } },
  });
  await page.reload();
  await section.getByLabel('Voice: SMS').waitFor();

  await section.getByLabel('Voice: SMS').check();
  await section.getByLabel('Fax: Email').check();
  await accountDigest().getByLabel('Daily at').check();
  await accountDigest().getByLabel('Time of the daily digest').fill('18:30');

  // The disclosure opens from the keyboard.
  await voiceConditions().locator('summary').focus();
  await page.keyboard.press('Enter');
  const voice = voiceConditions();
  await voice.getByLabel('Only from these senders').fill('+4930*, *@example.com,  bob@b.test ');
  await voice.getByLabel('Never from these senders').fill('+4930555*');
  await voice.getByLabel('Minimum voice length in seconds').fill('5');
  await voice.getByLabel('Only at these hours (in your time zone)').check();
  await voice.getByRole('checkbox', { name: 'Fri' }).uncheck();
  await voice.getByLabel('Start', { exact: true }).fill('08:00');
  await voice.getByLabel('End', { exact: true }).fill('17:30');
  await voice.getByLabel('At once, one notice per message').check();
  // The fax rule waits for an hourly digest of its own.
  const fax = section.locator('tr[data-conditions="fax"] details');
  await fax.locator('summary').click();
  await fax.getByLabel('Every').check();
  await fax.getByLabel('How many').fill('2');
  await fax.getByLabel('Minutes or hours').selectOption('hours');
  assert.equal(
    await fax.getByLabel('Minimum voice length in seconds').count(),
    0,
    'a fax has no length',
  );

  await section.getByRole('button', { name: 'Save' }).click();
  await section.getByRole('status').getByText('Saved.').waitFor();
  const expected = {
    rules: [
      {
        messageType: 'voice',
        channels: ['sms'],
        from: { include: ['+4930*', '*@example.com', 'bob@b.test'], exclude: ['+4930555*'] },
        minDurationSeconds: 5,
        hours: { days: ['mon', 'tue', 'wed', 'thu'], start: '08:00', end: '17:30' },
        digest: false,
      },
      { messageType: 'fax', channels: ['email'], digest: { intervalMinutes: 120 } },
    ],
    digest: { dailyAt: '18:30' },
    accountNotices: { channels: ['webhook'] },
  };
  assert.deepEqual((await me()).notificationPreferences, expected);

  // Shown again after a reload, as saved.
  await page.reload();
  await section.getByLabel('Voice: SMS').waitFor();
  assert.equal(await accountDigest().getByLabel('Daily at').isChecked(), true);
  assert.equal(await accountDigest().getByLabel('Time of the daily digest').inputValue(), '18:30');
  assert.match(await voiceConditions().locator('summary').innerText(), /5 set/);
  await voiceConditions().locator('summary').click();
  const v = voiceConditions();
  assert.equal(
    await v.getByLabel('Only from these senders').inputValue(),
    '+4930*, *@example.com, bob@b.test',
  );
  assert.equal(await v.getByLabel('Never from these senders').inputValue(), '+4930555*');
  assert.equal(await v.getByLabel('Minimum voice length in seconds').inputValue(), '5');
  assert.equal(await v.getByRole('checkbox', { name: 'Fri' }).isChecked(), false);
  assert.equal(await v.getByRole('checkbox', { name: 'Thu' }).isChecked(), true);
  assert.equal(await v.getByLabel('End', { exact: true }).inputValue(), '17:30');
  assert.equal(await v.getByLabel('Only outside these hours').isChecked(), false);
  assert.equal(await v.getByLabel('At once, one notice per message').isChecked(), true);
  const f = section.locator('tr[data-conditions="fax"] details');
  await f.locator('summary').click();
  assert.equal(await f.getByLabel('How many').inputValue(), '2');
  assert.equal(await f.getByLabel('Minutes or hours').inputValue(), 'hours');

  // Saving again unchanged sends the same preferences.
  await section.getByRole('button', { name: 'Save' }).click();
  await section.getByRole('status').getByText('Saved.').waitFor();
  assert.deepEqual((await me()).notificationPreferences, expected);
  await section.evaluate((el) => el.scrollIntoView());
  await screenshot(page, 'settings-notifications');
});

test('wrong values are explained in the form and nothing is sent', async () => {
  const before = (await me()).notificationPreferences;
  await accountDigest().getByLabel('Every').check();
  await accountDigest().getByLabel('How many').fill('0');
  await accountDigest().getByLabel('Minutes or hours').selectOption('minutes');
  const voice = voiceConditions();
  await voice.getByLabel('Only from these senders').fill('+4930*, +49 30 555');
  await section.getByRole('button', { name: 'Save' }).click();
  const alert = section.getByRole('alert');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /^Not saved\. Please correct:/);
  assert.match(text, /Voice: “\+49 30 555” is not a sender pattern/);
  assert.match(text, /Digest: the digest interval must be 1 to 1440 minutes\./);
  assert.equal(
    await voice.getByLabel('Only from these senders').getAttribute('aria-invalid'),
    'true',
  );
  assert.equal(
    await voice
      .getByLabel('Only from these senders')
      .evaluate((el) => el === document.activeElement),
    true,
    'the first wrong field has the focus',
  );
  assert.deepEqual((await me()).notificationPreferences, before, 'nothing was sent');

  // Corrected, it is saved; the mark goes.
  await voice.getByLabel('Only from these senders').fill('+4930*');
  await accountDigest().getByLabel('How many').fill('45');
  await section.getByRole('button', { name: 'Save' }).click();
  await section.getByRole('status').getByText('Saved.').waitFor();
  const prefs = (await me()).notificationPreferences;
  assert.deepEqual(prefs.digest, { intervalMinutes: 45 });
  assert.deepEqual(prefs.rules[0].from.include, ['+4930*']);
  assert.equal(
    await voice.getByLabel('Only from these senders').getAttribute('aria-invalid'),
    null,
  );
});

test("the server's refusal is shown in its own words", async () => {
  // Forty-five minutes pass the form; a server that refuses them is simulated once, with the
  // problem details the API gives for a value out of range.
  await page.route('**/api/v1/me', async (route) => {
    if (route.request().method() !== 'PATCH') return route.fallback();
    await route.fulfill({
      status: 400,
      contentType: 'application/problem+json',
      body: JSON.stringify({
        type: 'urn:switchboard:problem:invalid',
        title: 'Invalid request',
        status: 400,
        detail: 'body /notificationPreferences/digest/intervalMinutes must be >= 60',
      }),
    });
  });
  await section.getByRole('button', { name: 'Save' }).click();
  const alert = section.getByRole('alert');
  await alert.waitFor();
  assert.equal(
    await alert.innerText(),
    'Not saved: body /notificationPreferences/digest/intervalMinutes must be >= 60',
  );
  await page.unroute('**/api/v1/me');
});

test('in German, on a phone, without sideways scrolling', async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.evaluate(() => localStorage.setItem('switchboard.language', 'de'));
  await page.reload();
  const benachrichtigungen = page.locator('section', {
    has: page.getByRole('heading', { name: 'Benachrichtigungen' }),
  });
  const summary = benachrichtigungen.locator('tr[data-conditions="voice"] summary');
  await summary.waitFor();
  assert.match(await summary.innerText(), /Bedingungen bearbeiten: Sprache/);
  await summary.click();
  await benachrichtigungen
    .locator('tr[data-conditions="voice"]')
    .getByLabel('Nur von diesen Absendern')
    .waitFor();
  await benachrichtigungen.getByText('Täglich um').first().waitFor();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px over)`);
  // The opened conditions fit the screen, though the grid above them scrolls sideways.
  const box = (await benachrichtigungen
    .locator('tr[data-conditions="voice"] .conditions-body')
    .boundingBox())!;
  assert.ok(box.x >= 0 && box.x + box.width <= 390, `conditions fit: ${JSON.stringify(box)}`);
  await summary.evaluate((el) => el.scrollIntoView());
  await screenshot(page, 'settings-notifications-phone');
});
