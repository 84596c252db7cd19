import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium: the only browser the tests use (never a downloaded one). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium as root on a closed network: no sandbox (root), no background traffic to
 * Google's hosts, autoplay allowed so a test can press play, and a fake microphone when given.
 */
export async function launchBrowser(options: { fakeAudio?: string } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      ...(options.fakeAudio
        ? [
            '--use-fake-ui-for-media-stream',
            '--use-fake-device-for-media-stream',
            `--use-file-for-fake-audio-capture=${options.fakeAudio}`,
          ]
        : []),
    ],
  });
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, url: string, address: string, password: string) {
  await page.goto(url);
  await page.getByLabel(/Address|Adresse/).fill(address);
  await page.getByLabel(/Password|Passwort/).fill(password);
  await page.getByRole('button', { name: /Sign in|Anmelden/ }).click();
  await page.locator('.topbar').waitFor();
}

/**
 * Keeps a picture of the page for the docs when SWITCHBOARD_SCREENSHOTS names a folder
 * (`SWITCHBOARD_SCREENSHOTS=docs/screenshots npm test`); otherwise does nothing, so that test
 * runs never change tracked files.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const folder = process.env.SWITCHBOARD_SCREENSHOTS;
  if (!folder) return;
  await page.screenshot({ path: `${folder}/${name}.png`, fullPage: false });
}

/**
 * A WAV for Chromium's fake microphone (`launchBrowser({ fakeAudio })`): espeak-ng says `text`,
 * sox makes it 48 kHz mono 16-bit PCM, the format the fake capture device reads. Chromium loops
 * the file, so a short sentence is enough for a long take.
 */
export function spokenWav(dir: string, text: string): string {
  const raw = join(dir, 'spoken-raw.wav');
  const wav = join(dir, 'spoken.wav');
  execFileSync('espeak-ng', ['-w', raw, text]);
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', wav]);
  return wav;
}
