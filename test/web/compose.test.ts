import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Client, ServerProcess, subscriberClient } from '../e2e/harness.js';
import { eventually } from '../e2e/receiver.js';
import { launchBrowser, signIn } from './browser.js';

/**
 * Compose in Chromium with a fake microphone that "speaks" an espeak-ng recording: the level
 * meter moves, the take can be reviewed, and the voice message reaches the recipient with a
 * length the server measured.
 */
let server: ServerProcess;
let browser: Browser;
let page: Page;
let bob: { client: Client; id: string };
const dir = mkdtempSync(join(tmpdir(), 'switchboard-compose-'));

before(async () => {
  const spoken = join(dir, 'spoken.wav');
  execFileSync('espeak-ng', [
    '-w',
    join(dir, 'raw.wav'),
    'Hello Bob. This is Ann, testing the voice recorder in the browser.',
  ]);
  // Chromium's fake capture device reads 16-bit PCM WAV; 48 kHz is its native rate.
  execFileSync('sox', [join(dir, 'raw.wav'), '-r', '48000', '-c', '1', '-b', '16', spoken]);
  server = await ServerProcess.start({ SWITCHBOARD_DOMAINS: 'a.test' });
  await subscriberClient(server, { name: 'Ann', addresses: ['mailto:ann@a.test'] });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['mailto:bob@a.test'] });
  browser = await launchBrowser({ fakeAudio: spoken });
  const context = await browser.newContext({ permissions: ['microphone'] });
  page = await context.newPage();
  await signIn(page, server.url, 'ann@a.test', 'Ann long password');
});
after(async () => {
  await browser?.close();
  await server.dispose();
});

test('a voice message recorded in the browser reaches the recipient with a measured length', async () => {
  await page.getByRole('link', { name: 'New message' }).click();
  await page.getByLabel('To').fill('bob@a.test');
  await page.getByLabel('Subject').fill('Recorded here');
  await page.getByRole('button', { name: /Record/ }).click();
  const meter = page.getByRole('meter', { name: 'Microphone level' });
  await meter.waitFor();
  await page.waitForFunction(
    () => Number(document.querySelector<HTMLMeterElement>('meter.level')?.value) > 0.2,
    undefined,
    { timeout: 10_000 },
  );
  await page.waitForTimeout(2500);
  await page.getByRole('button', { name: /Stop/ }).click();
  await page.locator('audio.review').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Record again' }).count(), 1);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForFunction(() => location.hash.includes('folder=sent'));

  const message = await eventually(async () => {
    const list = (await bob.client.get('/api/v1/messages?type=voice')).body.messages;
    return list.find((m: { subject: string }) => m.subject === 'Recorded here');
  }, 'the voice message at Bob');
  assert.equal(message.type, 'voice');
  assert.match(message.parts[0].contentType, /^audio\/(webm|ogg)/);
  assert.ok(
    message.durationMs > 1500 && message.durationMs < 10_000,
    `durationMs ${message.durationMs}`,
  );
  assert.equal(message.from, 'mailto:ann@a.test');
});

test('reply and forward start a new message from the one being read', async () => {
  const sent = await bob.client.post('/api/v1/messages', {
    to: ['mailto:ann@a.test'],
    type: 'email',
    subject: 'Agenda',
    text: 'See the attached agenda.',
    attachments: [
      {
        filename: 'agenda.txt',
        contentType: 'text/plain',
        content: Buffer.from('1. Budget').toString('base64'),
      },
    ],
  });
  assert.equal(sent.status, 201);
  await page.goto(`${server.url}/#/`);
  await page.locator('.messages li', { hasText: 'Agenda' }).locator('a').click();
  await page.getByRole('link', { name: 'Reply' }).click();
  assert.equal(await page.getByLabel('To').inputValue(), 'bob@a.test');
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Re: Agenda');
  await page.goBack();
  await page.getByRole('link', { name: 'Forward' }).click();
  await page.locator('.attached li', { hasText: 'agenda.txt' }).waitFor();
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Fwd: Agenda');
  await page.getByLabel('To').fill('bob@a.test');
  await page.getByRole('button', { name: 'Send' }).click();
  const forwarded = await eventually(async () => {
    const list = (await bob.client.get('/api/v1/messages')).body.messages;
    return list.find((m: { subject: string }) => m.subject === 'Fwd: Agenda');
  }, 'the forwarded message');
  const names = forwarded.parts.map((p: { filename: string | null }) => p.filename);
  assert.ok(names.includes('agenda.txt'), JSON.stringify(names));
});
