import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SpandspFaxEngine } from './fax-engine.js';
import { documentPages } from './pages.js';

const BINARY = fileURLToPath(new URL('../../native/fax/build/switchboard-fax', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fax-engine-t38-'));
after(() => rmSync(dir, { recursive: true, force: true }));

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

test('two T.38 terminals, IFP packets handed across, send a 2-page fax', async () => {
  const engine = new SpandspFaxEngine({ binary: BINARY });
  const file = join(dir, 'received.tif');
  let toReceiver = 0;
  let toSender = 0;
  const sizes: number[] = [];
  const receiver = engine.receiveT38(file, {
    ident: '+1 555 0001',
    sendIfp: (ifp) => sender.ifp(toSender++, ifp),
  });
  const sender = engine.sendT38(twoPages(), {
    ident: '+1 555 0002',
    sendIfp: (ifp) => {
      sizes.push(ifp.length);
      receiver.ifp(toReceiver++, ifp);
    },
  });
  const [sent, received] = await Promise.all([sender.done, receiver.done]);
  assert.equal(sent.ok, true, sent.status);
  assert.equal(received.ok, true, received.status);
  assert.equal(received.pages, 2);
  assert.equal(received.remoteId, '+1 555 0002');
  assert.equal(sent.remoteId, '+1 555 0001');
  assert.equal(documentPages('image/tiff', readFileSync(file)), 2);
  assert.ok(Math.max(...sizes) <= 400, `IFP packets up to ${Math.max(...sizes)} bytes`);
});

test('a T.38 receiver fed garbage IFP packets keeps running and ends with its status', async () => {
  const engine = new SpandspFaxEngine({ binary: BINARY });
  const receiver = engine.receiveT38(join(dir, 'garbage.tif'), {
    ident: '1',
    sendIfp: () => undefined,
  });
  for (let i = 0; i < 200; i++)
    receiver.ifp(
      i,
      Buffer.from(Array.from({ length: 1 + (i % 30) }, (_, k) => (i * 31 + k) & 0xff)),
    );
  await new Promise((r) => setTimeout(r, 1500));
  receiver.stop();
  const outcome = await receiver.done;
  assert.equal(outcome.engineFailed, false, outcome.status);
  assert.equal(outcome.pages, 0);
  assert.match(outcome.status, /call dropped/i);
});
