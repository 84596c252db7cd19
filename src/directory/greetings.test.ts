import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { isSwitchboardError } from '../core/errors.js';
import type { Greeting, GreetingKind, GreetingStore } from '../core/greeting.js';
import type { BlobStore, MediaConverter } from '../core/ports.js';
import { allConverters } from '../media/catalog.js';
import { audioDurationMs } from '../media/duration.js';
import { MediaService } from '../media/media-service.js';
import { Greetings } from './greetings.js';

/** 16-bit PCM WAV of a tone; stereo at 44.1 kHz unless told, so normalizing has work to do. */
function tone(seconds: number, rate = 44100, channels = 2): Buffer {
  const frames = Math.round(seconds * rate);
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++)
    for (let c = 0; c < channels; c++)
      data.writeInt16LE(
        Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)),
        (i * channels + c) * 2,
      );
  const head = Buffer.alloc(44);
  head.write('RIFFxxxxWAVEfmt ', 0, 'latin1');
  head.writeUInt32LE(36 + data.length, 4);
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(channels, 22);
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * channels * 2, 28);
  head.writeUInt16LE(channels * 2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36, 'latin1');
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

/** In-memory stand-ins for the store and the blobs; the contract tests cover the real ones. */
function memory() {
  const bytes = new Map<string, Buffer>();
  const rows = new Map<string, Greeting>();
  const blobs: BlobStore = {
    async put(data) {
      const sha256 = createHash('sha256').update(data).digest('hex');
      bytes.set(sha256, data);
      return { sha256, size: data.length };
    },
    async stage(data) {
      return { ...(await blobs.put(data)), staged: null };
    },
    async get(sha256) {
      return bytes.get(sha256) ?? assert.fail(`no blob ${sha256}`);
    },
    async has(sha256) {
      return bytes.has(sha256);
    },
  };
  const key = (id: string, kind: GreetingKind) => `${id}/${kind}`;
  const store: GreetingStore = {
    async list(id) {
      return [...rows.entries()].filter(([k]) => k.startsWith(`${id}/`)).map(([, g]) => g);
    },
    async get(id, kind) {
      return rows.get(key(id, kind)) ?? null;
    },
    async save(id, greeting) {
      rows.set(key(id, greeting.kind), greeting);
      return greeting;
    },
    async delete(id, kind) {
      return rows.delete(key(id, kind));
    },
  };
  return { blobs, store };
}

const service = new MediaService(
  allConverters(),
  {
    timeoutMs: 30_000,
    maxInputBytes: 50_000_000,
    maxOutputBytes: 50_000_000,
    maxPages: 10,
    maxAudioSeconds: 600,
  },
  2,
);
let conversions = 0;
const media: MediaConverter = {
  key: (format) => service.key(format),
  convert: (...args) => {
    conversions++;
    return service.convert(...args);
  },
};

function greetingsWith(limits = { maxBytes: 2_000_000, maxSeconds: 5 }) {
  const { blobs, store } = memory();
  return new Greetings(store, blobs, media, limits);
}

async function refusedWith(kind: string, work: Promise<unknown>, message?: RegExp) {
  await assert.rejects(work, (err: unknown) => {
    assert.ok(isSwitchboardError(err), String(err));
    assert.equal(err.kind, kind);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('a greeting is kept as given and as 8 kHz mono WAV with its duration', async () => {
  const greetings = greetingsWith();
  const original = tone(1.5);
  const saved = await greetings.record('ann', 'unavailable', 'audio/x-wav', original);
  assert.equal(saved.contentType, 'audio/x-wav');
  assert.equal(saved.size, original.length);
  assert.ok(Math.abs(saved.durationMs - 1500) < 50, `${saved.durationMs} ms`);
  assert.equal(saved.playable.contentType, 'audio/wav;rate=8000');

  const asGiven = await greetings.audio('ann', 'unavailable');
  assert.ok(asGiven.content.equals(original));
  const playable = await greetings.audio('ann', 'unavailable', 'slin');
  assert.equal(playable.content.readUInt16LE(22), 1, 'mono');
  assert.equal(playable.content.readUInt32LE(24), 8000, '8 kHz');
  assert.equal(playable.content.readUInt16LE(34), 16, '16-bit linear');
  assert.equal(audioDurationMs('audio/wav', playable.content), saved.durationMs);
  const ulaw = await greetings.audio('ann', 'unavailable', 'ulaw');
  assert.equal(ulaw.contentType, 'audio/wav;codec=pcmu');
  assert.equal(ulaw.content.readUInt16LE(20), 7, 'G.711 mu-law format tag');

  assert.deepEqual(
    (await greetings.list('ann')).map((g) => g.kind),
    ['unavailable'],
  );
  await refusedWith('not-found', greetings.audio('bob', 'unavailable'));
});

test('only audio is taken, within the byte and length limits', async () => {
  const greetings = greetingsWith({ maxBytes: 300_000, maxSeconds: 2 });
  await refusedWith(
    'unsupported-media-type',
    greetings.record('ann', 'busy', 'text/plain', Buffer.from('hello')),
  );
  await refusedWith(
    'unsupported-media-type',
    greetings.record('ann', 'busy', 'audio/x-unknown-codec', Buffer.from('hello')),
  );
  await refusedWith('invalid', greetings.record('ann', 'busy', 'audio/wav', Buffer.alloc(0)));
  await refusedWith(
    'too-large',
    greetings.record('ann', 'busy', 'audio/wav', tone(2, 44100, 2)),
    /300000/,
  );
  const before = conversions;
  await refusedWith(
    'too-large',
    greetings.record('ann', 'busy', 'audio/wav', tone(3, 8000, 1)),
    /3 s long; the limit is 2 s/,
  );
  assert.equal(conversions, before, 'a WAV too long by its header is refused before converting');
  // Not decodable: the conversion graph says so, and nothing is stored.
  await assert.rejects(greetings.record('ann', 'busy', 'audio/ogg', Buffer.from('not ogg at all')));
  assert.deepEqual(await greetings.list('ann'), []);
});

test('a greeting that is too long is caught after converting when its header does not say', async () => {
  const greetings = greetingsWith({ maxBytes: 2_000_000, maxSeconds: 1 });
  const ogg = await service.convert(tone(2, 8000, 1), 'audio/wav', 'opus');
  await refusedWith(
    'too-large',
    greetings.record('ann', 'name', 'audio/ogg', ogg.content),
    /the limit is 1 s/,
  );
});

test('deleting a greeting removes it; deleting nothing says so', async () => {
  const greetings = greetingsWith();
  await greetings.record('ann', 'name', 'audio/wav', tone(0.5, 8000, 1));
  await greetings.remove('ann', 'name');
  assert.deepEqual(await greetings.list('ann'), []);
  await refusedWith('not-found', greetings.remove('ann', 'name'));
});
