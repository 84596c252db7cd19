import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeToPcm, locate } from './audio-fixtures.js';
import { baresipCall } from './baresip.js';
import { Client, ServerProcess, subscriberClient } from './harness.js';
import { startForwarder } from './kamailio.js';
import { eventually } from './receiver.js';

/**
 * A call forwarded to voicemail because the subscriber is busy: baresip calls through Kamailio,
 * which adds `Diversion: <sip:ann@a.test>;reason=user-busy` as a switch does, and Switchboard
 * plays Ann's busy greeting, not her unavailable one; what baresip heard is checked against both.
 */
let server: ServerProcess;
let ann: { client: Client; id: string };
const dir = mkdtempSync(join(tmpdir(), 'switchboard-forwarded-'));
const greetings: Record<'busy' | 'unavailable', Int16Array> = {
  busy: new Int16Array(0),
  unavailable: new Int16Array(0),
};

function speak(text: string, file: string): Buffer {
  execFileSync('espeak-ng', ['-w', join(dir, 'raw.wav'), text]);
  execFileSync('sox', [join(dir, 'raw.wav'), '-r', '8000', '-c', '1', '-b', '16', file]);
  return readFileSync(file);
}

before(async () => {
  server = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
  ann = await subscriberClient(server, {
    name: 'Ann',
    addresses: ['sip:ann@a.test', 'tel:+15550001'],
  });
  const texts = {
    busy: 'Ann here. I am on the other line right now, so leave me a message please.',
    unavailable: 'Hello, this is Ann. I cannot come to the phone at the moment.',
  };
  for (const kind of ['busy', 'unavailable'] as const) {
    const wav = speak(texts[kind], join(dir, `${kind}.wav`));
    greetings[kind] = decodeToPcm(wav);
    const res = await fetch(`${server.url}/api/v1/me/greetings/${kind}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ann.client.token}`, 'content-type': 'audio/wav' },
      body: new Uint8Array(wav),
    });
    assert.equal(res.status, 200, await res.text());
  }
});
after(() => server.dispose());

async function heardThrough(reason: string): Promise<Int16Array> {
  const forwarder = await startForwarder({
    switchboardPort: server.sipPort,
    diverter: 'sip:ann@a.test',
    reason,
  });
  try {
    const source = join(dir, 'caller.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', source, 'trim', '0', '14']);
    const heardFile = join(dir, `heard-${reason}.wav`);
    const out = await baresipCall({
      uri: 'sip:voicemail@a.test',
      sipPort: forwarder.port,
      source,
      heardFile,
    });
    assert.match(out, /terminated/, `${out.slice(-1500)}\n${forwarder.output().slice(-1500)}`);
    return decodeToPcm(readFileSync(heardFile));
  } finally {
    forwarder.stop();
  }
}

test('a call forwarded with Diversion reason user-busy hears the busy greeting', async () => {
  const heard = await heardThrough('user-busy');
  await eventually(
    () => /"greeting":"busy","forwarded":"diversion"/.test(server.output) || undefined,
    'the call answered with the busy greeting',
  );
  const busy = locate(heard, greetings.busy);
  const unavailable = locate(heard, greetings.unavailable);
  assert.ok(busy.r > 0.8, `the busy greeting was heard (r=${busy.r.toFixed(3)})`);
  assert.ok(
    unavailable.r < busy.r - 0.2,
    `not the unavailable one (r=${unavailable.r.toFixed(3)})`,
  );
});

test('forwarded for no answer, the same call hears the unavailable greeting', async () => {
  const heard = await heardThrough('no-answer');
  const unavailable = locate(heard, greetings.unavailable);
  const busy = locate(heard, greetings.busy);
  assert.ok(
    unavailable.r > 0.8,
    `the unavailable greeting was heard (r=${unavailable.r.toFixed(3)})`,
  );
  assert.ok(busy.r < unavailable.r - 0.2, `not the busy one (r=${busy.r.toFixed(3)})`);
});
