import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { BIN, Client, ServerProcess, subscriberClient } from './harness.js';

let server: ServerProcess;
let ann: { client: Client; id: string };
let bob: { client: Client; id: string };
const dir = mkdtempSync(join(tmpdir(), 'switchboard-media-e2e-'));

before(async () => {
  server = await ServerProcess.start();
  ann = await subscriberClient(server, { name: 'Ann', addresses: ['tel:+15550001'] });
  bob = await subscriberClient(server, { name: 'Bob', addresses: ['tel:+15550002'] });
});
after(() => server.dispose());

test('a voice message asked for as Opus and as text: made once, kept as derived parts, then served from them', async () => {
  const wav = join(dir, 'voice.wav');
  execFileSync('espeak-ng', ['-w', wav, 'Hello Bob, please call me back about the invoice.']);
  const sent = await ann.client.post('/api/v1/messages', {
    to: ['tel:+15550002'],
    type: 'voice',
    subject: 'Voicemail',
    attachments: [
      {
        filename: 'voice.wav',
        contentType: 'audio/wav',
        content: readFileSync(wav).toString('base64'),
      },
    ],
  });
  const id = sent.body.copies.find((c: any) => c.address === 'tel:+15550002').messageId;

  const opus = await bob.client.get(`/api/v1/messages/${id}/parts/1?format=opus`);
  assert.equal(opus.status, 200);
  assert.equal(opus.headers.get('content-type'), 'audio/ogg;codecs=opus');
  assert.equal(opus.body.subarray(0, 4).toString(), 'OggS');
  const derivedIndex = Number(opus.headers.get('x-switchboard-part'));
  const message = (await bob.client.get(`/api/v1/messages/${id}`)).body;
  const derived = message.parts.find((p: any) => p.index === derivedIndex);
  assert.deepEqual(
    [derived.derivedFrom, derived.contentType, derived.converter],
    [1, 'audio/ogg;codecs=opus', 'ffmpeg:audio/ogg;codecs=opus'],
  );

  const again = await bob.client.get(`/api/v1/messages/${id}/parts/1?format=audio/ogg;codecs=opus`);
  assert.equal(
    Number(again.headers.get('x-switchboard-part')),
    derivedIndex,
    'served from the kept rendition',
  );
  assert.ok(again.body.equals(opus.body));
  assert.equal(
    (await bob.client.get(`/api/v1/messages/${id}`)).body.parts.length,
    2,
    'not made twice',
  );

  const transcript = await bob.client.get(`/api/v1/messages/${id}/parts/1?format=text`);
  assert.equal(transcript.status, 200);
  assert.match(transcript.headers.get('content-type')!, /^text\/plain/);
  const words = transcript.body.toString().match(/[a-z]{3,}/g) ?? [];
  assert.ok(
    words.length > 0,
    `the baseline recogniser produced words: ${transcript.body.toString()}`,
  );
  const found = await bob.client.get(`/api/v1/messages?q=${words[0]}`);
  assert.ok(
    found.body.messages.some((m: any) => m.id === id),
    'the transcript is searchable',
  );

  const none = await bob.client.get(`/api/v1/messages/${id}/parts/1?format=text/html`);
  assert.equal(none.status, 406);
  assert.match(none.body.detail, /no conversion from audio\/wav to text\/html/);
  assert.equal(
    (await ann.client.get(`/api/v1/messages/${id}/parts/1?format=opus`)).status,
    404,
    'not Ann’s copy',
  );
});

test('a fax as PDF pages and as a PNG preview; the graph is listed', async () => {
  const pdf = join(dir, 'doc.pdf');
  const ps = join(dir, 'doc.ps');
  execFileSync('bash', [
    '-c',
    `printf '%%!PS\\n/Helvetica findfont 30 scalefont setfont\\n72 700 moveto (First page) show showpage\\n72 700 moveto (Second page) show showpage\\n' > ${ps}`,
  ]);
  execFileSync('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=tiffg3',
    '-r204x196',
    '-g1728x2292',
    `-sOutputFile=${pdf}.tif`,
    ps,
  ]);
  const sent = await ann.client.post('/api/v1/messages', {
    to: ['tel:+15550002'],
    type: 'fax',
    attachments: [
      {
        filename: 'fax.tif',
        contentType: 'image/tiff',
        content: readFileSync(`${pdf}.tif`).toString('base64'),
      },
    ],
  });
  const id = sent.body.copies.find((c: any) => c.address === 'tel:+15550002').messageId;
  const asPdf = await bob.client.get(`/api/v1/messages/${id}/parts/1?format=pdf`);
  assert.equal(asPdf.headers.get('content-type'), 'application/pdf');
  assert.equal((asPdf.body.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length, 2);
  const png = await bob.client.get(`/api/v1/messages/${id}/parts/1?format=png`);
  assert.equal(png.headers.get('content-type'), 'image/png');
  assert.equal(png.body.subarray(1, 4).toString(), 'PNG');
  const page2 = await bob.client.get(
    `/api/v1/messages/${id}/parts/1?format=${encodeURIComponent('image/png;page=2')}`,
  );
  assert.equal(page2.status, 200);
  assert.ok(!page2.body.equals(png.body), 'the second page is another picture');
  const kept = (await bob.client.get(`/api/v1/messages/${id}`)).body.parts.map(
    (p: any) => p.contentType,
  );
  assert.deepEqual(
    kept.slice(1).sort(),
    ['application/pdf', 'image/png', 'image/png;page=2'],
    'each page kept as its own rendition',
  );
  const graph = (await bob.client.get('/api/v1/formats')).body;
  assert.ok(graph.formats.some((f: any) => f.key === 'audio/32kadpcm'));
  assert.ok(graph.converters.some((c: any) => c.id === 'tesseract'));
});

test('switchboard convert writes the result, or one clear line', async () => {
  const run = promisify(execFile);
  const txt = join(dir, 'note.txt');
  execFileSync('bash', ['-c', `echo 'Your fax has arrived.' > ${txt}`]);
  const { stdout } = await run(process.execPath, [
    BIN,
    'convert',
    txt,
    '--to',
    'mp3',
    '--out',
    join(dir, 'note.mp3'),
    '--json',
  ]);
  const summary = JSON.parse(stdout);
  assert.deepEqual([summary.to, summary.converter], ['audio/mpeg', 'espeak-ng+ffmpeg:audio/mpeg']);
  assert.equal(
    readFileSync(join(dir, 'note.mp3')).subarray(0, 3).toString('latin1').startsWith('ID3') ||
      readFileSync(join(dir, 'note.mp3'))[0] === 0xff,
    true,
  );
  await assert.rejects(
    run(process.execPath, [BIN, 'convert', txt, '--to', 'text/html', '--out', join(dir, 'x.html')]),
    (e: any) => /no conversion from text\/plain to text\/html/.test(e.stderr),
  );
});

test('with transcription on, a new voice message gets its transcript by itself', async () => {
  const auto = await ServerProcess.start({ SWITCHBOARD_TRANSCRIBE_VOICE: 'true' });
  try {
    const cara = await subscriberClient(auto, { name: 'Cara', addresses: ['tel:+15550003'] });
    const wav = join(dir, 'auto.wav');
    execFileSync('espeak-ng', ['-w', wav, 'This message transcribes itself.']);
    const sent = await cara.client.post('/api/v1/messages', {
      to: ['tel:+15550003'],
      type: 'voice',
      attachments: [
        {
          filename: 'auto.wav',
          contentType: 'audio/wav',
          content: readFileSync(wav).toString('base64'),
        },
      ],
    });
    const id = sent.body.copies.find((c: any) => c.folder === 'inbox').messageId;
    const deadline = Date.now() + 30_000;
    let transcript: any;
    while (!transcript && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      transcript = (await cara.client.get(`/api/v1/messages/${id}`)).body.parts.find(
        (p: any) => p.contentType === 'text/plain',
      );
    }
    assert.ok(transcript, 'a transcript part appeared');
    assert.deepEqual(
      [transcript.derivedFrom, transcript.converter],
      [1, 'ffmpeg:audio/wav;rate=16000+pocketsphinx'],
    );
  } finally {
    await auto.dispose();
  }
});
