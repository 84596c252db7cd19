import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Client, ROOT, ServerProcess, subscriberClient } from '../e2e/harness.js';
import { launchBrowser, signIn } from './browser.js';

/**
 * The settings screen in Debian's Chromium against a started server, with a fake microphone
 * that says a sentence over and over: every change is checked through the API, not the page.
 */
let server: ServerProcess;
let browser: Browser;
let page: Page;
let ann: { client: Client; id: string };
const dir = mkdtempSync(join(tmpdir(), 'switchboard-web-settings-'));

before(async () => {
  const voice = join(dir, 'voice.wav');
  execFileSync('espeak-ng', [
    '-w',
    voice,
    'Hello, this is Ann. Please leave a message after the tone.',
  ]);
  server = await ServerProcess.start({ SWITCHBOARD_DOMAINS: 'a.test' });
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['mailto:ann@a.test', 'tel:+15550001'],
  });
  browser = await launchBrowser({ fakeAudio: voice });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.grantPermissions(['microphone']);
  page = await context.newPage();
  await signIn(page, server.url, 'ann@a.test', 'Ann long password');
  await page.goto(`${server.url}/#/settings`);
  await page.getByRole('heading', { name: 'Notifications' }).waitFor();
});
after(async () => {
  await browser?.close();
  await server.dispose();
});

const me = async () => (await ann.client.get('/api/v1/me')).body;

test('notification rules and quiet hours are saved', async () => {
  const notifications = page.locator('section', {
    has: page.getByRole('heading', { name: 'Notifications' }),
  });
  await notifications.getByLabel('Voice: Email').check();
  await notifications.getByLabel('Voice: Webhook').check();
  await notifications.getByLabel('Fax: Email').check();
  await notifications.getByLabel('Fax: Urgent only').check();
  await notifications.getByLabel('Send email notices to').fill('ann.notices@a.test');
  await notifications.getByLabel(/Hold notices during quiet hours/).check();
  await notifications.getByLabel('From', { exact: true }).fill('21:30');
  await notifications.getByLabel('To', { exact: true }).fill('06:45');
  await notifications.getByRole('button', { name: 'Save' }).click();
  await notifications.getByRole('status').getByText('Saved.').waitFor();

  assert.deepEqual((await me()).notificationPreferences, {
    rules: [
      { messageType: 'voice', channels: ['email', 'webhook'] },
      { messageType: 'fax', channels: ['email'], urgentOnly: true },
    ],
    email: 'ann.notices@a.test',
    quietHours: { start: '21:30', end: '06:45' },
  });

  // Taking a channel away and ending quiet hours is saved too, and survives a reload.
  await notifications.getByLabel('Voice: Webhook').uncheck();
  await notifications.getByLabel(/Hold notices during quiet hours/).uncheck();
  await notifications.getByRole('button', { name: 'Save' }).click();
  for (let i = 0; i < 50; i++) {
    const prefs = (await me()).notificationPreferences;
    if (!prefs.quietHours) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const prefs = (await me()).notificationPreferences;
  assert.equal(prefs.quietHours, undefined);
  assert.deepEqual(prefs.rules[0], { messageType: 'voice', channels: ['email'] });
  await page.reload();
  await page.getByLabel('Fax: Urgent only').waitFor();
  assert.equal(await page.getByLabel('Fax: Urgent only').isChecked(), true);
  assert.equal(await page.getByLabel('Voice: Webhook').isChecked(), false);
});

test('the unavailable greeting is recorded with the fake microphone, reviewed and saved', async () => {
  const card = page.locator('.greeting[data-kind="unavailable"]');
  await card.getByRole('button', { name: 'Record' }).click();
  const meter = card.getByRole('meter', { name: 'Microphone level' });
  await meter.waitFor();
  // The meter follows the voice: it rises above silence and changes while recording.
  const levels: number[] = [];
  for (let i = 0; i < 25; i++) {
    levels.push(Number(await meter.evaluate((m: HTMLMeterElement) => m.value)));
    await page.waitForTimeout(100);
  }
  assert.ok(Math.max(...levels) > 0.05, `the meter rose: ${levels.join(' ')}`);
  assert.ok(new Set(levels).size > 3, `the meter moved: ${levels.join(' ')}`);
  await card.getByRole('button', { name: 'Stop' }).click();

  const review = card.getByRole('group', { name: 'Listen before saving' });
  await review.waitFor();
  const reviewed = await review.locator('audio').evaluate(
    (audio: HTMLAudioElement) =>
      new Promise<number>((resolve) => {
        audio.muted = true;
        audio.ontimeupdate = () => audio.currentTime > 0.3 && resolve(audio.currentTime);
        void audio.play();
      }),
  );
  assert.ok(reviewed > 0.3, 'the recording plays back before it is saved');
  await review.getByRole('button', { name: 'Save' }).click();
  await card.getByRole('status').getByText('Saved.').waitFor({ timeout: 20_000 });

  const listed = (await ann.client.get('/api/v1/me/greetings')).body.greetings;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].kind, 'unavailable');
  assert.match(listed[0].contentType, /^audio\/webm/);
  assert.ok(listed[0].durationMs > 1500, `${listed[0].durationMs} ms of greeting`);
  // The card shows the saved greeting's length, as the server measured it.
  const seconds = String(Math.round(listed[0].durationMs / 1000)).padStart(2, '0');
  await card.getByText(`Length 0:${seconds}`).waitFor();
  assert.equal(await card.locator('audio').count(), 1, 'the saved greeting can be played');
  const playable = await ann.client.get('/api/v1/me/greetings/unavailable?format=slin');
  assert.equal(Buffer.from(playable.body).readUInt32LE(24), 8000);
});

test('a PIN is set, and a wrong PIN is refused before it is sent', async () => {
  assert.equal((await me()).hasPin, false);
  const section = page.locator('section', {
    has: page.getByRole('heading', { name: 'Phone PIN' }),
  });
  await section.getByLabel('New PIN').fill('12ab');
  await section.getByRole('button', { name: 'Set PIN' }).click();
  assert.match(await section.getByRole('alert').innerText(), /4 to 12 digits/);
  assert.equal((await me()).hasPin, false);
  await section.getByLabel('New PIN').fill('482916');
  await section.getByRole('button', { name: 'Set PIN' }).click();
  await section.getByRole('status').getByText('The PIN is set.').waitFor();
  assert.equal((await me()).hasPin, true);
  assert.equal(
    await section.getByLabel('New PIN').inputValue(),
    '',
    'the PIN is not left in the form',
  );
});

test('a wrong current password is a clear error; the right one changes it', async () => {
  const section = page.locator('section', { has: page.getByRole('heading', { name: 'Password' }) });
  await section.getByLabel('Current password').fill('not my password');
  await section.getByLabel('New password', { exact: true }).fill('a brand new secret');
  await section.getByLabel('New password again').fill('a brand new secret');
  await section.getByRole('button', { name: 'Change password' }).click();
  const alert = section.getByRole('alert');
  await alert.waitFor();
  assert.equal(await alert.innerText(), 'The current password is wrong. Nothing was changed.');
  const signIn = (password: string) =>
    new Client(server.url).post('/api/v1/sessions', { address: 'mailto:ann@a.test', password });
  assert.equal((await signIn('Ann long password')).status, 201, 'the old one still works');

  await section.getByLabel('Current password').fill('Ann long password');
  await section.getByRole('button', { name: 'Change password' }).click();
  await section.getByRole('status').getByText('The password is changed.').waitFor();
  assert.equal((await signIn('a brand new secret')).status, 201);
  assert.equal((await signIn('Ann long password')).status, 401);
});

test('the screen fits a phone without sideways scrolling', async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px over)`);
  await page.setViewportSize({ width: 1200, height: 900 });
  // SWITCHBOARD_SCREENSHOTS=1 refreshes the picture in the docs; a plain run leaves them alone.
  if (process.env.SWITCHBOARD_SCREENSHOTS) {
    await page.evaluate(() => window.scrollTo(0, 0));
    mkdirSync(join(ROOT, 'docs', 'screenshots'), { recursive: true });
    await page.screenshot({
      path: join(ROOT, 'docs', 'screenshots', 'settings.png'),
      fullPage: true,
    });
  }
});
