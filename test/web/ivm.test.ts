import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client, ServerProcess, subscriberClient } from '../e2e/harness.js';
import { eventually } from '../e2e/receiver.js';
import { launchBrowser, screenshot, signIn, spokenWav } from './browser.js';

/**
 * The voice messenger in Chromium, three people, each in a browser context of their own with a
 * fake microphone that speaks an espeak-ng sentence. Ann talks live (intercom) to Bob, who is
 * online, and to Cid, who is not: Bob hears it while Ann still holds the button, then has the
 * stored message; Cid gets it once when he opens the app; Bob's page closing turns him offline.
 */
let server: ServerProcess;
let browser: Browser;
let bob: { client: Client; id: string };
const pages: Record<string, { context: BrowserContext; page: Page }> = {};
const dir = mkdtempSync(join(tmpdir(), 'switchboard-ivm-web-'));
const WAIT = { timeout: 30_000 };

const ANN = 'ivm:ann@a.test';
const BOB = 'ivm:bob@a.test';
const CID = 'ivm:cid@a.test';
const DAN = 'ivm:dan@a.test';

/** Signs `who` in, in a browser context (a device) of its own, and opens the messenger. */
async function open(name: string, who = name): Promise<Page> {
  const context = await browser.newContext({ permissions: ['microphone'] });
  const page = await context.newPage();
  await signIn(page, server.url, `${who.toLowerCase()}@a.test`, `${who} long password`);
  await page.getByRole('link', { name: 'Messenger' }).click();
  await page.locator('.ivm[data-link="online"]').waitFor(WAIT);
  pages[name] = { context, page };
  return page;
}

/** A number attribute of the first element matching `selector`, once it is at least `min`. */
async function atLeast(page: Page, selector: string, name: string, min: number) {
  const handle = await page.waitForFunction(
    ([s, n, m]) => {
      const value = Number(document.querySelector(s)?.getAttribute(n));
      return value >= m ? value : false;
    },
    [selector, name, min] as const,
    WAIT,
  );
  return (await handle.jsonValue()) as number;
}

before(async () => {
  const wav = spokenWav(
    dir,
    'Hello Bob, hello Cid. This is Ann on the voice messenger, talking to you live.',
  );
  // Short heartbeats, so a link cut by the test is noticed within seconds on both sides.
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_IVM_HEARTBEAT_SECONDS: '2',
  });
  await subscriberClient(server, { name: 'Ann', addresses: ['mailto:ann@a.test'] });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['mailto:bob@a.test'] });
  await subscriberClient(server, { name: 'Cid', addresses: ['mailto:cid@a.test'] });
  await subscriberClient(server, { name: 'Dan', addresses: ['mailto:dan@a.test'] });
  browser = await launchBrowser({ fakeAudio: wav });
});
after(async () => {
  await browser?.close();
  await server?.dispose();
});

test('contacts are added and accepted in the app, with presence', async () => {
  const ann = await open('Ann');
  const bobPage = await open('Bob');
  const cid = await open('Cid');
  for (const who of ['bob@a.test', 'cid@a.test']) {
    await ann.getByLabel('Add a contact by address').fill(who);
    await ann.getByRole('button', { name: 'Add', exact: true }).click();
  }
  await ann.locator(`.contact[data-state="requested"][data-address="${BOB}"]`).waitFor(WAIT);
  for (const page of [bobPage, cid]) {
    const request = page.locator(`.ivm-requests .contact[data-address="${ANN}"]`);
    await request.waitFor(WAIT);
    assert.match(
      (await page.locator('.ivm-notice').innerText()).trim(),
      /Ann wants to be your contact/,
    );
    await request.getByRole('button', { name: 'Accept' }).click();
    await page.locator(`.contact[data-state="accepted"][data-address="${ANN}"]`).waitFor(WAIT);
  }
  await ann.locator(`.contact[data-address="${BOB}"][data-status="available"]`).waitFor(WAIT);
  await ann.locator(`.contact[data-address="${CID}"][data-status="available"]`).waitFor(WAIT);
  // Cid closes the app: offline for Ann, so the message must wait for him.
  await pages.Cid!.context.close();
  await ann.locator(`.contact[data-address="${CID}"][data-status="offline"]`).waitFor(WAIT);
});

test('my status shows at my contacts; a group is made from the contacts ticked', async () => {
  const ann = pages.Ann!.page;
  const bobPage = pages.Bob!.page;
  await ann.getByLabel('My status').selectOption('busy');
  await bobPage.locator(`.contact[data-address="${ANN}"][data-status="busy"]`).waitFor(WAIT);
  await ann.getByLabel('My status').selectOption('available');
  await bobPage.locator(`.contact[data-address="${ANN}"][data-status="available"]`).waitFor(WAIT);

  await ann.locator(`.contact[data-address="${BOB}"] input[type="checkbox"]`).check();
  await ann.locator(`.contact[data-address="${CID}"] input[type="checkbox"]`).check();
  await ann.getByLabel('New group from the contacts ticked').fill('team');
  await ann.getByRole('button', { name: 'Make group (2)' }).click();
  const group = ann.locator('.group[data-name="team"]');
  await group.waitFor(WAIT);
  assert.match(await group.innerText(), /team\s+2 members/);
  // The server keeps it: after a reload it comes back with the session.
  await ann.reload();
  await ann.locator('.ivm[data-link="online"]').waitFor(WAIT);
  await group.waitFor(WAIT);
  await group.locator('input[type="checkbox"]').check();
  assert.equal(await ann.locator('.ivm-to').innerText(), 'To: team');
  await group.locator('input[type="checkbox"]').uncheck();
});

test('Ann talks live to Bob (online) and Cid (offline); Bob hears it before she lets go', async () => {
  const ann = pages.Ann!.page;
  const bobPage = pages.Bob!.page;
  await ann.locator(`.contact[data-address="${BOB}"] input[type="checkbox"]`).check();
  await ann.locator(`.contact[data-address="${CID}"] input[type="checkbox"]`).check();
  // Bob is online, so the mode is intercom without anyone choosing it.
  assert.equal(await ann.locator('.ivm-talk').getAttribute('data-mode'), 'intercom');

  const talk = ann.getByRole('button', { name: 'Hold to talk' });
  await talk.hover();
  await ann.mouse.down();
  const frames = await atLeast(bobPage, '.live', 'data-live-frames', 1);
  assert.ok(frames > 0);
  // …and decodes and plays it (AudioDecoder into the page's AudioContext).
  await atLeast(bobPage, '.live', 'data-live-decoded', 1);
  // Bob got audio while Ann was still holding the button down.
  assert.equal(await ann.locator('button.talk').getAttribute('aria-pressed'), 'true');
  await atLeast(bobPage, '.live', 'data-live-frames', 50);
  await screenshot(bobPage, 'ivm-live');
  await ann.waitForTimeout(1000);
  await ann.mouse.up();
  assert.equal(await ann.locator('button.talk').getAttribute('aria-pressed'), 'false');

  // The stored message: Bob's list, with a waveform and a length; Ann's list shows it sent.
  const message = bobPage.locator(`.ivm-message[data-from="${ANN}"]`);
  await message.waitFor(WAIT);
  assert.equal(await message.getAttribute('data-state'), 'new');
  await atLeast(bobPage, '.ivm-message canvas.waveform', 'data-peaks', 1);
  const length = await message.locator('.duration').innerText();
  assert.match(length, /^0:0[1-9]$/, length);
  // Stored as sent first, then the treated rendition replaces its audio in place (no second entry).
  await bobPage.waitForFunction(
    (from) => {
      const src = document
        .querySelector(`.ivm-message[data-from="${from}"] audio`)
        ?.getAttribute('src');
      return Number(/\/parts\/(\d+)/.exec(src ?? '')?.[1] ?? 1) > 1;
    },
    ANN,
    WAIT,
  );
  assert.equal(await bobPage.locator(`.ivm-message[data-from="${ANN}"]`).count(), 1);
  const sent = ann.locator('.ivm-sent').first();
  await ann.locator('.ivm-sent[data-state="stored"]').waitFor(WAIT);
  await sent.locator(`.tick[data-recipient="${BOB}"][data-receipt="delivered"]`).waitFor(WAIT);
  assert.equal(
    await sent.locator(`.tick[data-recipient="${CID}"]`).getAttribute('data-receipt'),
    'none',
  );

  // Bob plays it: the audio (Ogg Opus) plays in <audio>, and Ann sees it played.
  await message.locator('audio').evaluate((a: HTMLAudioElement) => a.play());
  await bobPage.waitForFunction(
    () => document.querySelector<HTMLAudioElement>('.ivm-message audio')!.currentTime > 0.5,
    undefined,
    WAIT,
  );
  await bobPage.locator('.ivm-message[data-state="played"]').waitFor(WAIT);
  await screenshot(bobPage, 'ivm-received');
  await sent.locator(`.tick[data-recipient="${BOB}"][data-receipt="played"]`).waitFor(WAIT);
  await screenshot(ann, 'ivm-sender');

  // It is an ordinary message in Bob's mailbox too.
  const list = await eventually(async () => {
    const r = await bob.client.get('/api/v1/messages?type=ivm');
    return r.body.messages.length ? r.body.messages : undefined;
  }, 'the ivm message in Bob’s mailbox');
  assert.equal(list.length, 1);
  assert.equal(list[0].from, ANN);
});

test('Cid opens the app later and has the message once, also after a reload', async () => {
  const cid = await open('Cid');
  const messages = cid.locator(`.ivm-message[data-from="${ANN}"]`);
  await messages.first().waitFor(WAIT);
  await atLeast(cid, '.ivm-message canvas.waveform', 'data-peaks', 1);
  await pages
    .Ann!.page.locator(`.ivm-sent .tick[data-recipient="${CID}"][data-receipt="delivered"]`)
    .waitFor(WAIT);
  // Anything still on its way would have arrived by the time the receipt went round.
  assert.equal(await messages.count(), 1);
  await cid.reload();
  await cid.locator('.ivm[data-link="online"]').waitFor(WAIT);
  await messages.first().waitFor(WAIT);
  await cid.waitForTimeout(2000);
  assert.equal(await messages.count(), 1);
});

test('an address that names nobody is explained in words', async () => {
  const ann = pages.Ann!.page;
  await ann.getByLabel('Add a contact by address').fill('nobody@a.test');
  await ann.getByRole('button', { name: 'Add', exact: true }).click();
  const alert = ann.locator('.ivm-notice[role="alert"]');
  await alert.waitFor(WAIT);
  assert.match(await alert.innerText(), /Nobody here has the address “nobody@a\.test”/);
  assert.equal(await ann.locator('.contact[data-address*="nobody"]').count(), 0);
});

test('a contact request can be declined', async () => {
  const ann = pages.Ann!.page;
  const dan = await open('Dan');
  await dan.getByLabel('Add a contact by address').fill('ann@a.test');
  await dan.getByRole('button', { name: 'Add', exact: true }).click();
  await dan.locator(`.contact[data-state="requested"][data-address="${ANN}"]`).waitFor(WAIT);
  const request = ann.locator(`.ivm-requests .contact[data-address="${DAN}"]`);
  await request.waitFor(WAIT);
  await request.getByRole('button', { name: 'Decline' }).click();
  await request.waitFor({ state: 'detached', ...WAIT });
  await dan.locator(`.contact[data-address="${ANN}"]`).waitFor({ state: 'detached', ...WAIT });
  assert.equal(await ann.locator(`.contact[data-address="${DAN}"]`).count(), 0);
  await pages.Dan!.context.close();
});

test('a recording is reviewed, gets a file and reaches Bob on two devices; played follows', async () => {
  const ann = pages.Ann!.page;
  const bobPhone = await open('Bob2', 'Bob');
  await ann.locator(`.contact[data-address="${CID}"] input[type="checkbox"]`).uncheck();
  assert.equal(await ann.locator('.ivm-talk').getAttribute('data-mode'), 'intercom');
  await ann.getByLabel('Record, then send').check();
  assert.equal(await ann.locator('.ivm-talk').getAttribute('data-mode'), 'record');

  // Click to start, click to stop.
  await ann.getByRole('button', { name: 'Hold to talk' }).click();
  await ann.locator('button.talk[aria-pressed="true"]').waitFor(WAIT);
  await ann.waitForTimeout(2500);
  await ann.locator('button.talk').click();
  const review = ann.locator('.ivm-review');
  await review.waitFor(WAIT);
  assert.ok(Number(await review.getAttribute('data-packets')) > 50);
  await review.getByRole('button', { name: /Listen/ }).click();
  const decoded = await atLeast(ann, '.ivm-review', 'data-review-ms', 1000);
  assert.ok(decoded < 10_000, `review ${decoded} ms`);
  await review.getByLabel('Attach files').setInputFiles({
    name: 'agenda.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('1. Lunch'),
  });
  await review.locator('.attached li', { hasText: 'agenda.txt' }).waitFor();
  const sentBefore = await ann.locator('.ivm-sent').count();
  await review.getByRole('button', { name: 'Send' }).click();
  await ann.locator('.ivm-sent').nth(sentBefore).waitFor(WAIT);
  const id = await ann.locator('.ivm-sent').first().getAttribute('data-id');
  await ann.locator(`.ivm-sent[data-id="${id}"][data-state="stored"]`).waitFor(WAIT);

  for (const page of [pages.Bob!.page, bobPhone]) {
    const newest = page.locator('.ivm-message').first();
    await page.locator('.ivm-message[data-state="new"]').waitFor(WAIT);
    await newest.locator('.attached a', { hasText: 'agenda.txt' }).waitFor(WAIT);
    assert.equal(await page.locator('.ivm-message').count(), 2);
  }
  // Played on the phone, played on the desk too, and for Ann.
  await bobPhone
    .locator('.ivm-message')
    .first()
    .locator('audio')
    .evaluate((a: HTMLAudioElement) => a.play());
  await pages.Bob!.page.locator('.ivm-message[data-state="new"]').waitFor({
    state: 'detached',
    ...WAIT,
  });
  await ann
    .locator(`.ivm-sent[data-id="${id}"] .tick[data-recipient="${BOB}"][data-receipt="played"]`)
    .waitFor(WAIT);
  await pages.Bob2!.context.close();
});

test('offline, a recording waits in the page and goes out once when the link is back', async () => {
  const ann = pages.Ann!.page;
  const bobPage = pages.Bob!.page;
  const before = await bobPage.locator('.ivm-message').count();
  await pages.Ann!.context.setOffline(true);
  await ann.locator('.ivm:not([data-link="online"])').waitFor(WAIT);
  await ann.getByLabel('Record, then send').check();
  // This time with the space bar: held down while talking.
  await ann.locator('button.talk').focus();
  await ann.keyboard.down('Space');
  await ann.locator('button.talk[aria-pressed="true"]').waitFor(WAIT);
  await ann.waitForTimeout(1500);
  await ann.keyboard.up('Space');
  await ann.locator('.ivm-review').getByRole('button', { name: 'Send' }).click();
  const queued = ann.locator('.ivm-sent').first();
  assert.equal(await queued.getAttribute('data-state'), 'queued');
  assert.match(
    await ann.locator('.ivm-notice[role="alert"]').innerText(),
    /You are offline\. Your message is kept here/,
  );
  await pages.Ann!.context.setOffline(false);
  await ann.locator('.ivm[data-link="online"]').waitFor(WAIT);
  const id = await queued.getAttribute('data-id');
  await ann.locator(`.ivm-sent[data-id="${id}"][data-state="stored"]`).waitFor(WAIT);
  await eventually(
    async () => (await bobPage.locator('.ivm-message').count()) === before + 1,
    'the queued message at Bob',
    30_000,
  );
  await bobPage.waitForTimeout(1500);
  assert.equal(await bobPage.locator('.ivm-message').count(), before + 1);
});

test('a live message whose link drops while talking is stored once, as far as it went', async () => {
  const ann = pages.Ann!.page;
  const bobPage = pages.Bob!.page;
  const before = await bobPage.locator('.ivm-message').count();
  const sentBefore = await ann.locator('.ivm-sent').count();
  await ann.getByLabel('Live (intercom)').check();
  await ann.locator('button.talk').hover();
  await ann.mouse.down();
  await bobPage.locator('.live:not(.ended)').waitFor(WAIT);
  await atLeast(bobPage, '.live:not(.ended)', 'data-live-frames', 25);
  await pages.Ann!.context.setOffline(true);
  await ann.locator('.ivm:not([data-link="online"])').waitFor(WAIT);
  await pages.Ann!.context.setOffline(false);
  await ann.locator('.ivm[data-link="online"]').waitFor(WAIT);
  await ann.mouse.up();
  await ann.locator('.ivm-sent').nth(sentBefore).waitFor(WAIT);
  const id = await ann.locator('.ivm-sent').first().getAttribute('data-id');
  await ann.locator(`.ivm-sent[data-id="${id}"][data-state="stored"]`).waitFor(WAIT);
  await eventually(
    async () => (await bobPage.locator('.ivm-message').count()) === before + 1,
    'the cut-off live message at Bob',
    30_000,
  );
  await bobPage.waitForTimeout(1500);
  assert.equal(await bobPage.locator('.ivm-message').count(), before + 1);
});

test('Bob closing his page turns him offline for Ann', async () => {
  const ann = pages.Ann!.page;
  await ann.locator(`.contact[data-address="${BOB}"][data-status="available"]`).waitFor(WAIT);
  await pages.Bob!.page.close();
  await ann.locator(`.contact[data-address="${BOB}"][data-status="offline"]`).waitFor(WAIT);
});

test('a contact removed is gone on both sides; the screen speaks German too', async () => {
  const ann = pages.Ann!.page;
  const cid = pages.Cid!.page;
  ann.once('dialog', (dialog) => void dialog.accept());
  await ann.getByRole('button', { name: 'Remove Cid' }).click();
  await ann.locator(`.contact[data-address="${CID}"]`).waitFor({ state: 'detached', ...WAIT });
  await cid.locator(`.contact[data-address="${ANN}"]`).waitFor({ state: 'detached', ...WAIT });

  await ann.getByLabel('Language').selectOption('de');
  await ann.getByRole('heading', { name: 'Sprachmessenger' }).waitFor(WAIT);
  assert.equal(await ann.locator('.ivm-link').innerText(), 'Verbunden');
  await ann.getByLabel('Sprache').selectOption('en');
});

test('a device whose session is ended elsewhere is told to sign in again and stops retrying', async () => {
  const dan = await open('Dan');
  const token = await dan.evaluate(
    () => sessionStorage.getItem('switchboard.token') ?? localStorage.getItem('switchboard.token'),
  );
  assert.ok(token, 'the page holds its session token');
  let sockets = 0;
  dan.on('websocket', () => sockets++);
  // Signed out from another device (the same session ended through the API).
  assert.equal(
    (await new Client(server.url, token).delete('/api/v1/sessions/current')).status,
    204,
  );
  await dan.locator('.ivm[data-link="signed-out"]').waitFor(WAIT);
  assert.match(await dan.locator('.ivm-link').innerText(), /sign in again/);
  // The backoff would have tried again within seconds; a dropped session is not retried.
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(sockets, 0, 'no new WebSocket with the dead token');
  assert.equal(await dan.locator('.ivm[data-link="signed-out"]').count(), 1);
  await screenshot(dan, 'ivm-signed-out');
  await pages.Dan!.context.close();
});
