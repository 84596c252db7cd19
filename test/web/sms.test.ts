import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN, Client, ServerProcess, subscriberClient } from '../e2e/harness.js';
import { eventually } from '../e2e/receiver.js';
import { addSmscResource, SmscSimulator } from '../e2e/smsc-simulator.js';
import { launchBrowser, screenshot, signIn } from './browser.js';

/**
 * SMS in Chromium, against an SMSC simulator: texts from two numbers show as two conversations;
 * opening one shows the thread and reads it; a reply typed in the box goes out through the SMSC
 * and its status moves to delivered with the receipt; compose sends a new SMS to a number; the
 * counter tells GSM-7 from UCS-2; the phone layout fits the screen.
 */
let server: ServerProcess;
let smsc: SmscSimulator;
let browser: Browser;
let page: Page;
let ann: { client: Client; id: string };
const ANN = '15550001';

before(async () => {
  smsc = await new SmscSimulator('switchboard', 'smpp-pw').start();
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_NUMBER_RANGES: '+1555',
    SWITCHBOARD_DELIVERY_POLL_MS: '100',
  });
  ann = await subscriberClient(server, { name: 'Ann', addresses: [`tel:+${ANN}`] });
  await addSmscResource(new Client(server.url, ADMIN_TOKEN), smsc);
  assert.deepEqual(await smsc.deliver('4930111', ANN, 'Are we still on for Friday?'), [0]);
  assert.deepEqual(await smsc.deliver('4930222', ANN, 'Your parcel is at the door'), [0]);
  assert.deepEqual(await smsc.deliver('4930111', ANN, 'Bring the plans, please'), [0]);
  await eventually(async () => {
    const list = (await ann.client.get('/api/v1/messages?type=sms')).body.messages;
    return list.length === 3 || undefined;
  }, 'three SMS in Ann’s mailbox');
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  await signIn(page, server.url, `+${ANN}`, 'Ann long password');
});

after(async () => {
  await browser?.close();
  await server?.dispose();
  await smsc?.stop();
});

const rows = () => page.locator('.conversation-list li');

test('texts from two numbers show as two conversations, newest first, with unread counts', async () => {
  await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'SMS' }).click();
  await rows().nth(1).waitFor();
  assert.equal(await rows().count(), 2);
  assert.deepEqual(await rows().locator('.party').allTextContents(), ['+4930111', '+4930222']);
  assert.match((await rows().nth(0).locator('.last').textContent()) ?? '', /Bring the plans/);
  assert.deepEqual(await rows().locator('.count').allTextContents(), ['2 2 unread', '1 1 unread']);
  await screenshot(page, 'sms-conversations');
});

test('a conversation shows the thread, reads it, and a reply moves to delivered', async () => {
  await rows().nth(0).locator('a').click();
  await page.getByRole('heading', { name: '+4930111' }).waitFor();
  const bubbles = page.locator('.thread li');
  await bubbles.nth(1).waitFor();
  assert.deepEqual(await bubbles.locator('.text').allTextContents(), [
    'Are we still on for Friday?',
    'Bring the plans, please',
  ]);
  assert.deepEqual(await bubbles.evaluateAll((l) => l.map((e) => e.className)), [
    'bubble in',
    'bubble in',
  ]);
  await eventually(async () => {
    const list = (await ann.client.get('/api/v1/conversations')).body.conversations;
    return list.find((c: { party: string }) => c.party === 'tel:+4930111')?.unread === 0;
  }, 'opening the conversation to read its texts');

  // The receipt is held back at first, so the reply is seen waiting for it ("Sent").
  smsc.behaviour.withholdReceipts = 1;
  const box = page.getByLabel('Write an SMS');
  await box.fill('Yes, see you at nine');
  assert.match(
    (await page.locator('.sms-box .sms-counter').textContent()) ?? '',
    /140 characters left · 1 SMS/,
  );
  await page.getByRole('button', { name: 'Send' }).click();
  const reply = page.locator('.thread li.out', { hasText: 'Yes, see you at nine' });
  await reply.locator('.status', { hasText: 'Sent' }).waitFor({ timeout: 15_000 });
  assert.equal(await box.inputValue(), '', 'the box is empty after sending');
  assert.deepEqual(smsc.texts('4930111'), ['Yes, see you at nine']);

  // The next one gets its receipt: the page shows it delivered without a reload.
  await box.fill('Καλημέρα, the plans are ready');
  assert.match(
    (await page.locator('.sms-box .sms-counter').textContent()) ?? '',
    /1 SMS · special characters: 70 per SMS/,
  );
  await box.press('Control+Enter');
  const greek = page.locator('.thread li.out', { hasText: 'Καλημέρα' });
  await greek.locator('.status', { hasText: 'Delivered' }).waitFor({ timeout: 15_000 });
  assert.equal(await greek.getAttribute('data-status'), 'delivered');
  assert.equal(
    smsc.submitted.find((s) => s.to === '4930111' && s.dataCoding === 8) !== undefined,
    true,
    'Greek goes out as UCS-2',
  );

  // A text arriving while the thread is open appears at the bottom.
  assert.deepEqual(await smsc.deliver('4930111', ANN, 'Great, thanks!'), [0]);
  await page.locator('.thread li.in', { hasText: 'Great, thanks!' }).waitFor();
  const texts = await bubbles.locator('.text').allTextContents();
  assert.equal(texts.at(-1), 'Great, thanks!', 'oldest at the top, newest at the bottom');
  await screenshot(page, 'sms-thread');
});

test('compose sends a new SMS to a number and opens its conversation', async () => {
  await page.getByRole('link', { name: 'New message' }).click();
  await page.getByLabel('Send as SMS').check();
  assert.equal(await page.getByLabel('Subject').count(), 0, 'an SMS has no subject');
  await page.getByLabel('To').fill('ann@a.test');
  await page.getByRole('textbox', { name: 'Message' }).fill('Hello');
  await page.getByRole('button', { name: 'Send' }).click();
  assert.match(
    (await page.getByRole('alert').textContent()) ?? '',
    /not a phone number/,
    'an address that is no number is refused with a reason',
  );
  await page.getByLabel('To').fill('+49 30 333');
  await page.getByRole('textbox', { name: 'Message' }).fill('a'.repeat(161));
  assert.match((await page.locator('.sms-counter').textContent()) ?? '', /2 SMS/);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('heading', { name: '+4930333' }).waitFor();
  await page.locator('.thread li.out').waitFor();
  await eventually(
    async () => smsc.texts('4930333')[0] === 'a'.repeat(161) || undefined,
    'the SMS at the SMSC',
  );
});

test('in German, on a phone screen', async () => {
  await page.setViewportSize({ width: 375, height: 740 });
  await page.getByLabel('Language').selectOption('de');
  await page.goto(`${server.url}/#/sms`);
  await page.getByRole('heading', { name: 'SMS' }).waitFor();
  await page.getByRole('link', { name: 'Neue SMS' }).waitFor();
  await rows().nth(2).waitFor();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.equal(overflow, 0, 'nothing wider than the screen');
  await rows().filter({ hasText: '+4930111' }).locator('a').click();
  await page.locator('.thread li.out .status', { hasText: 'Zugestellt' }).first().waitFor();
  await page.getByLabel('SMS schreiben').waitFor();
  await screenshot(page, 'sms-phone');
  await page.getByLabel('Sprache').selectOption('en');
});
