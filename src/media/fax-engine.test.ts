import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SpandspFaxEngine } from './fax-engine.js';
import { documentPages } from './pages.js';

const BINARY = fileURLToPath(new URL('../../native/fax/build/switchboard-fax', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fax-engine-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for the helper: a shell script, to play an engine that crashes or hangs. */
function fakeEngine(name: string, script: string): SpandspFaxEngine {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return new SpandspFaxEngine({ binary: file });
}

/** A two-page fax TIFF, made the way the media converters make them. */
function twoPages(): string {
  const ps = join(dir, 'two.ps');
  writeFileSync(
    ps,
    '%!PS\n/Helvetica findfont 40 scalefont setfont\n72 700 moveto (one) show showpage\n72 700 moveto (two) show showpage\n',
  );
  const tif = join(dir, 'two.tif');
  execFileSync('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=tiffg3',
    '-r204x196',
    '-g1728x2292',
    `-sOutputFile=${tif}`,
    ps,
  ]);
  return tif;
}

test('the real engine answers every 20 ms frame with one, and a call with no fax ends with its status', async () => {
  const file = join(dir, 'nothing.tif');
  const sent: Int16Array[] = [];
  const session = new SpandspFaxEngine({ binary: BINARY }).receive(file, {
    ident: '+1 555 0001',
    send: (pcm) => sent.push(pcm),
  });
  await new Promise((r) => setTimeout(r, 1000));
  session.stop();
  const outcome = await session.done;
  assert.equal(outcome.engineFailed, false);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.pages, 0);
  assert.match(outcome.status, /call dropped/i);
  // About 50 frames in a second, each one whole frame; the answering side sends its CED tone.
  assert.ok(sent.length >= 40 && sent.length <= 60, `${sent.length} frames`);
  assert.ok(sent.every((f) => f.length === 160));
  assert.ok(
    sent.some((f) => f.some((s) => Math.abs(s) > 1000)),
    'the CED tone is heard',
  );
});

test('an engine that crashes after a page keeps only that whole page', async () => {
  const source = twoPages();
  const engine = fakeEngine(
    'crashes.sh',
    `cp ${source} "$2"\necho '{"event":"page","pages":1,"remoteId":" FAX 1 "}' >&3\nhead -c 640 >/dev/null\nkill -SEGV $$`,
  );
  const file = join(dir, 'crashed.tif');
  const pages: number[] = [];
  const session = engine.receive(file, {
    ident: 'X',
    send: () => undefined,
    page: (p) => pages.push(p.pages),
  });
  const outcome = await session.done;
  assert.deepEqual(pages, [1]);
  assert.equal(outcome.engineFailed, true);
  assert.match(outcome.status, /the fax engine crashed \(signal SIGSEGV\)/);
  assert.equal(outcome.pages, 1);
  assert.equal(outcome.remoteId, 'FAX 1');
  assert.equal(documentPages('image/tiff', readFileSync(file)), 1);
});

test('an engine that crashes before any page leaves no file', async () => {
  const engine = fakeEngine('exits.sh', 'echo "spandsp: cannot open" >&2\nexit 3');
  const file = join(dir, 'none.tif');
  writeFileSync(file, 'partial');
  const outcome = await engine.receive(file, { ident: 'X', send: () => undefined }).done;
  assert.equal(outcome.pages, 0);
  assert.match(outcome.status, /crashed \(exit 3\): spandsp: cannot open/);
  assert.equal(existsSync(file), false);
});

test('an engine that stops answering is killed within seconds', async () => {
  const engine = fakeEngine('hangs.sh', 'exec sleep 60');
  const started = Date.now();
  const outcome = await engine.receive(join(dir, 'hung.tif'), { ident: 'X', send: () => undefined })
    .done;
  assert.equal(outcome.status, 'the fax engine stopped responding');
  assert.equal(outcome.engineFailed, true);
  assert.ok(Date.now() - started < 6000);
});

test('a missing engine binary is a failed session, not an exception', async () => {
  const engine = new SpandspFaxEngine({ binary: join(dir, 'no-such-engine') });
  const outcome = await engine.send(join(dir, 'x.tif'), { ident: 'X', send: () => undefined }).done;
  assert.equal(outcome.engineFailed, true);
  assert.match(outcome.status, /could not start: .*ENOENT/);
});
