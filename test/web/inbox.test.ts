import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chirp, wavOf } from '../e2e/audio-fixtures.js';
import { Client, ServerProcess, subscriberClient } from '../e2e/harness.js';
import { launchBrowser, screenshot, signIn } from './browser.js';

/**
 * The web app in Debian's Chromium against a started server: Ann reads what Bob sends her
 * through the API, live, in every form a message takes.
 */
let server: ServerProcess;
let browser: Browser;
let page: Page;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };
let tracker: Server;
let trackerUrl = '';
const hits: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'switchboard-web-'));

before(async () => {
  // Stands in for a sender's server: records every request a mail makes it receive.
  tracker = createServer((req, res) => {
    hits.push(req.url ?? '');
    res
      .writeHead(200, { 'content-type': 'image/gif' })
      .end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
  });
  await new Promise<void>((r) => tracker.listen(0, '127.0.0.1', r));
  trackerUrl = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}`;
  server = await ServerProcess.start({ SWITCHBOARD_DOMAINS: 'a.test' });
  ann = await subscriberClient(server, { name: 'Ann', addresses: ['mailto:ann@a.test'] });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['mailto:bob@a.test'] });
  browser = await launchBrowser();
  page = await browser.newPage();
  await signIn(page, server.url, 'ann@a.test', 'Ann long password');
});
after(async () => {
  await browser?.close();
  await server.dispose();
  await new Promise((r) => tracker.close(r));
});

async function fromBob(body: Record<string, unknown>): Promise<string> {
  const sent = await bob.client.post('/api/v1/messages', { to: ['mailto:ann@a.test'], ...body });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const list = (await ann.client.get('/api/v1/messages?limit=1')).body.messages;
  return list[0].id;
}

test('a voice message appears without a reload, plays, and the speed control changes its rate', async () => {
  await page.locator('.messages').waitFor({ state: 'attached' });
  const id = await fromBob({
    type: 'voice',
    subject: 'Call me back',
    attachments: [
      {
        filename: 'hello.wav',
        contentType: 'audio/wav',
        content: wavOf(chirp(4)).toString('base64'),
      },
    ],
  });
  const row = page.locator(`.messages li[data-id="${id}"]`);
  await row.waitFor({ timeout: 10_000 });
  assert.match(await row.innerText(), /bob@a\.test[\s\S]*Call me back[\s\S]*0:04/);
  assert.equal(await row.getAttribute('class'), 'unread');
  await row.locator('a').click();
  const waveform = page.locator('canvas.waveform');
  await page.waitForFunction(
    () => Number(document.querySelector('canvas.waveform')?.getAttribute('data-peaks')) > 0,
  );
  assert.equal(await waveform.getAttribute('data-peaks'), '200');
  await page.evaluate(() => document.querySelector('audio')!.play());
  await page.waitForFunction(() => document.querySelector('audio')!.currentTime > 0.5, undefined, {
    timeout: 15_000,
  });
  await page.locator('select[name="speed"]').selectOption('1.5');
  assert.equal(await page.evaluate(() => document.querySelector('audio')!.playbackRate), 1.5);
  assert.equal(await page.evaluate(() => document.querySelector('audio')!.paused), false);
  await screenshot(page, 'player');
  await page.goto(`${server.url}/#/`);
  await row.waitFor();
  await screenshot(page, 'inbox');
});

test('a multi-page fax TIFF shows its pages one after the other', async () => {
  const ps = join(dir, 'fax.ps');
  execFileSync('bash', [
    '-c',
    `printf '%%!PS\\n/Helvetica findfont 40 scalefont setfont\\n72 700 moveto (Page one) show showpage\\n72 500 moveto (Page two) show showpage\\n' > ${ps}`,
  ]);
  execFileSync('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=tiffg3',
    '-r204x196',
    '-g1728x2292',
    `-sOutputFile=${ps}.tif`,
    ps,
  ]);
  const id = await fromBob({
    type: 'fax',
    subject: 'Signed contract',
    attachments: [
      {
        filename: 'contract.tif',
        contentType: 'image/tiff',
        content: readFileSync(`${ps}.tif`).toString('base64'),
      },
    ],
  });
  await page.goto(`${server.url}/#/m/${id}`);
  await page.getByText('Page 1 of 2').waitFor();
  const loaded = () =>
    page.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('.fax-page img');
        return img !== null && img.complete && img.naturalWidth > 0;
      },
      undefined,
      { timeout: 30_000 },
    );
  await loaded();
  const first = await page.locator('.fax-page img').screenshot();
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.getByText('Page 2 of 2').waitFor();
  assert.equal(await page.locator('.fax-page img').getAttribute('data-page'), '2');
  await loaded();
  const second = await page.locator('.fax-page img').screenshot();
  await page.evaluate(() => scrollTo(0, 0));
  await screenshot(page, 'fax');
  assert.ok(!first.equals(second), 'the second page is another picture');
  assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true);
});

test('search finds a message by a word in its body', async () => {
  await fromBob({
    type: 'email',
    subject: 'Harbour',
    text: 'The quayside crane arrives on Tuesday.',
  });
  await fromBob({ type: 'email', subject: 'Unrelated', text: 'Nothing to see.' });
  await page.goto(`${server.url}/#/`);
  await page.getByRole('searchbox').fill('quayside');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForFunction(() => location.hash.includes('q=quayside'));
  // The folder's list stays on screen until the search answers: wait for the list to change.
  await page
    .waitForFunction(() => document.querySelectorAll('.messages li').length === 1, undefined, {
      timeout: 10_000,
    })
    .catch(() => undefined);
  const subjects = await page.locator('.messages li .subject').allInnerTexts();
  assert.deepEqual(subjects, ['Harbour']);
});

test('HTML mail shows its text, runs no script and loads no remote image until asked', async () => {
  const id = await fromBob({
    type: 'email',
    subject: 'Newsletter',
    html: `<p id="hello">Visible newsletter text</p><script>fetch('${trackerUrl}/script-ran');document.write('<img src="${trackerUrl}/script-img">')</script><img src="${trackerUrl}/tracking-pixel.gif" alt="pixel">`,
  });
  await page.goto(`${server.url}/#/m/${id}`);
  const frame = page.frameLocator('iframe.html-mail');
  await frame.locator('#hello').waitFor();
  assert.equal(await frame.locator('#hello').innerText(), 'Visible newsletter text');
  await page.getByText('Remote images are blocked').waitFor();
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(hits.join(), '', 'neither the script nor the image reached the sender’s server');
  await page.getByRole('button', { name: 'Show remote images' }).click();
  await page.waitForFunction(() => true);
  for (let i = 0; i < 50 && !hits.includes('/tracking-pixel.gif'); i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(hits.includes('/tracking-pixel.gif'), 'the image loads once the reader asks');
  assert.ok(!hits.includes('/script-ran') && !hits.includes('/script-img'), 'the script never ran');
});

test('switching the language changes the interface text', async () => {
  await page.goto(`${server.url}/#/`);
  await page.locator('.topbar select').selectOption('de');
  await page.getByRole('link', { name: 'Nachrichten' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Posteingang' }).count(), 1);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
  await page.locator('.topbar select').selectOption('en');
  await page.getByRole('link', { name: 'Inbox' }).waitFor();
});

test('another subscriber’s message stays out of reach, by URL and by API', async () => {
  const bobs = await bob.client.post('/api/v1/messages', {
    to: ['mailto:bob@a.test'],
    type: 'email',
    subject: 'Bob private',
    text: 'secret',
  });
  assert.equal(bobs.status, 201);
  const bobId = (await bob.client.get('/api/v1/messages?limit=1')).body.messages[0].id;
  await page.goto(`${server.url}/#/m/${bobId}`);
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /no message/);
  assert.equal(await page.getByText('Bob private').count(), 0);
  const status = await page.evaluate(async (id) => {
    const token = sessionStorage.getItem('switchboard.token');
    const r = await fetch(`/api/v1/messages/${id}/parts/1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return r.status;
  }, bobId);
  assert.equal(status, 404);
});

test('reads on a phone screen and works with the keyboard alone', async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await signIn(phone, server.url, 'ann@a.test', 'Ann long password');
  await phone.locator('.messages li').first().waitFor();
  // Mobile browsers widen the layout to fit what overflows, so compare with the screen itself.
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - 390);
  assert.ok(overflow <= 0, `nothing wider than the screen (${overflow}px over)`);
  await screenshot(phone, 'inbox-phone');
  // Tab from the search box through the filters to the first message, and open it with Enter.
  await phone.getByRole('searchbox').focus();
  let focused = '';
  for (let i = 0; i < 30 && !focused.startsWith('#/m/'); i++) {
    await phone.keyboard.press('Tab');
    focused = await phone.evaluate(() => document.activeElement?.getAttribute('href') ?? '');
  }
  assert.match(focused, /^#\/m\//, 'a message link takes the focus');
  await phone.keyboard.press('Enter');
  await phone.locator('article.message').waitFor();
  await phone.close();
});
