import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { allConverters } from './catalog.js';
import { ConversionError, type ConversionLimits } from './converter.js';
import { MediaService } from './media-service.js';
import { plan } from './planner.js';
import { streamAudio } from './streaming.js';
import { enhanceVoice } from './converters/ffmpeg-audio.js';
import { withCover } from './cover-page.js';
import { peaksOf } from './converters/waveform.js';

const LIMITS: ConversionLimits = {
  timeoutMs: 60_000,
  maxOutputBytes: 50_000_000,
  maxInputBytes: 50_000_000,
  maxPages: 50,
  maxAudioSeconds: 600,
};
const media = new MediaService(allConverters(), LIMITS, 2);
const dir = mkdtempSync(join(tmpdir(), 'switchboard-media-test-'));
const sh = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });

/** A PostScript program of pages with large printed words, made into a PDF by ghostscript. */
function pdfOf(pages: string[][]): Buffer {
  const ps = ['%!PS', '/Helvetica-Bold findfont 36 scalefont setfont'];
  for (const lines of pages) {
    lines.forEach((line, i) => ps.push(`72 ${700 - i * 60} moveto (${line}) show`));
    ps.push('showpage');
  }
  const src = join(dir, `doc-${pages.length}-${Date.now()}.ps`);
  const out = `${src}.pdf`;
  writeFileSync(src, ps.join('\n'));
  sh('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=pdfwrite',
    `-sOutputFile=${out}`,
    src,
  ]);
  return readFileSync(out);
}

function probe(content: Buffer, inputArgs: string[] = []): { codec: string; seconds: number } {
  const file = join(dir, `probe-${Math.random()}`);
  writeFileSync(file, content);
  const out = sh('ffprobe', [
    '-v',
    'error',
    ...inputArgs,
    '-show_entries',
    'stream=codec_name:format=duration',
    '-of',
    'json',
    file,
  ]).toString();
  const json = JSON.parse(out) as {
    streams: Array<{ codec_name: string }>;
    format: { duration?: string };
  };
  return { codec: json.streams[0]!.codec_name, seconds: Number(json.format.duration ?? 0) };
}

const tiffInfo = (content: Buffer) => {
  const file = join(dir, `info-${Math.random()}.tif`);
  writeFileSync(file, content);
  return sh('tiffinfo', [file]).toString();
};

let speech: Buffer;
before(() => {
  const wav = join(dir, 'speech.wav');
  sh('espeak-ng', [
    '-v',
    'en',
    '-w',
    wav,
    'Please call me back about the delivery tomorrow morning',
  ]);
  speech = readFileSync(wav);
});

describe('the planner', () => {
  const converters = allConverters();
  const ids = (from: string, to: string) => plan(converters, from, to).map((c) => c.id);
  test('picks the cheapest chain', () => {
    assert.deepEqual(ids('text/plain', 'audio/mpeg'), ['espeak-ng', 'ffmpeg:audio/mpeg']);
    assert.deepEqual(ids('audio/webm;codecs=opus', 'text/plain'), [
      'ffmpeg:audio/wav;rate=16000',
      'pocketsphinx',
    ]);
    assert.deepEqual(
      ids('audio/wav', 'audio/wav;codec=pcmu'),
      ['ffmpeg:audio/wav;codec=pcmu'],
      'direct beats a detour',
    );
    assert.deepEqual(ids('text/html', 'image/tiff;application=faxg3'), [
      'html-to-text',
      'pdf-lib:text',
      'ghostscript:tiffg3',
    ]);
    assert.deepEqual(ids('image/tiff;application=faxg4', 'text/plain'), [
      'tiffcp:g3:2d',
      'tesseract',
    ]);
  });
  test('no chain is a clear error', () => {
    // Nothing makes HTML: every other pair is connected (speech becomes text, text a PDF, ...).
    assert.throws(
      () => plan(converters, 'audio/mpeg', 'text/html'),
      (e: unknown) =>
        e instanceof ConversionError &&
        e.kind === 'no-route' &&
        /no conversion from audio\/mpeg to text\/html/.test(e.message),
    );
  });
});

describe('audio converters (ffmpeg) on real speech', () => {
  const cases: Array<[string, string, string[]]> = [
    ['ulaw', 'pcm_mulaw', []],
    ['alaw', 'pcm_alaw', []],
    ['audio/wav;rate=16000', 'pcm_s16le', []],
    ['slin', 'pcm_s16le', []],
    ['gsm', 'gsm', ['-f', 'gsm', '-ar', '8000']],
    ['g726', 'adpcm_g726le', ['-f', 'g726le', '-code_size', '4', '-ar', '8000']],
    ['opus', 'opus', []],
    ['webm', 'opus', []],
    ['mp3', 'mp3', []],
  ];
  for (const [format, codec, inputArgs] of cases)
    test(`wav to ${format}`, async () => {
      const r = await media.convert(speech, 'audio/wav', format);
      const p = probe(r.content, inputArgs);
      assert.equal(p.codec, codec);
      const original = probe(speech).seconds;
      assert.ok(Math.abs(p.seconds - original) < 0.3, `${p.seconds} s vs ${original} s`);
    });
  test('G.711 back to PCM, and Opus to MP3 through the graph', async () => {
    const ulaw = await media.convert(speech, 'audio/wav', 'ulaw');
    assert.equal(
      probe((await media.convert(ulaw.content, ulaw.format, 'audio/wav')).content).codec,
      'pcm_s16le',
    );
    const opus = await media.convert(speech, 'audio/wav', 'opus');
    const mp3 = await media.convert(opus.content, 'audio/ogg', 'audio/mpeg');
    assert.equal(mp3.converter, 'ffmpeg:audio/mpeg');
    assert.equal(probe(mp3.content).codec, 'mp3');
  });
});

describe('speech', () => {
  test('text to speech in the listener’s language', async () => {
    const en = await media.convert(
      Buffer.from('You have two new messages.'),
      'text/plain',
      'audio/wav',
      { language: 'en-US' },
    );
    const de = await media.convert(
      Buffer.from('Sie haben zwei neue Nachrichten.'),
      'text/plain',
      'audio/wav',
      { language: 'de' },
    );
    assert.ok(probe(en.content).seconds > 1);
    assert.ok(probe(de.content).seconds > 1);
  });
  test('speech to text (pocketsphinx baseline) gives words', async () => {
    const r = await media.convert(speech, 'audio/wav', 'text/plain');
    assert.equal(r.converter, 'ffmpeg:audio/wav;rate=16000+pocketsphinx');
    assert.match(r.content.toString(), /[a-z]{2,}/, 'some words, accurate or not');
  });
});

describe('documents and fax', () => {
  test('a 3-page PDF becomes a 3-page G3 TIFF 1728 pixels wide, and back a 3-page PDF', async () => {
    const pdf = pdfOf([['Page one'], ['Page two'], ['Page three']]);
    const tiff = await media.convert(pdf, 'application/pdf', 'image/tiff;application=faxg3');
    const info = tiffInfo(tiff.content);
    assert.equal((info.match(/TIFF Directory at offset/g) ?? []).length, 3);
    assert.equal((info.match(/Image Width: 1728/g) ?? []).length, 3);
    assert.match(info, /Compression Scheme: CCITT Group 3/);
    assert.match(info, /Resolution: 204, 196 pixels\/inch/);
    const back = await media.convert(tiff.content, tiff.format, 'application/pdf');
    assert.equal((await PDFDocument.load(back.content)).getPageCount(), 3);
    const g4 = await media.convert(tiff.content, tiff.format, 'g4');
    assert.match(tiffInfo(g4.content), /Compression Scheme: CCITT Group 4/);
    const png = await media.convert(tiff.content, tiff.format, 'png');
    const meta = await sharp(png.content).metadata();
    assert.deepEqual([meta.format, meta.width], ['png', 1728]);
    const third = await media.convert(tiff.content, tiff.format, 'image/png;page=3');
    assert.equal(third.format, 'image/png;page=3');
    assert.notDeepEqual(third.content, png.content, 'another page, another picture');
    await assert.rejects(
      media.convert(tiff.content, tiff.format, 'image/png;page=4'),
      /there is no page 4/,
    );
    const normal = await media.convert(pdf, 'application/pdf', 'fax-normal');
    assert.match(tiffInfo(normal.content), /Resolution: 204, 98 pixels\/inch/);
  });
  test('a faxed page of printed text comes back from OCR with its words', async () => {
    const pdf = pdfOf([['INVOICE NUMBER 4711', 'PAYMENT DUE FRIDAY', 'THANK YOU']]);
    const fax = await media.convert(pdf, 'application/pdf', 'fax');
    const text = (await media.convert(fax.content, fax.format, 'text/plain')).content.toString();
    for (const word of ['INVOICE', '4711', 'PAYMENT', 'FRIDAY'])
      assert.ok(text.includes(word), `${word} in ${JSON.stringify(text)}`);
  });
  test('HTML to text, text to PDF, a picture to a fax page', async () => {
    const text = await media.convert(
      Buffer.from('<p>Hello <b>there</b></p><script>alert(1)</script><p>Second line</p>'),
      'text/html',
      'text/plain',
    );
    assert.match(text.content.toString(), /Hello there\s+Second line/);
    assert.doesNotMatch(text.content.toString(), /alert/);
    const pdf = await media.convert(Buffer.from('line\n'.repeat(140)), 'text/plain', 'pdf');
    assert.equal((await PDFDocument.load(pdf.content)).getPageCount(), 3);
    const picture = await sharp({
      create: { width: 800, height: 600, channels: 3, background: '#ffffff' },
    })
      .png()
      .toBuffer();
    const fax = await media.convert(picture, 'image/png', 'image/tiff;application=faxg3');
    assert.match(tiffInfo(fax.content), /Image Width: 1728/);
  });
});

describe('limits and bad input', () => {
  const strict = (limits: Partial<ConversionLimits>) =>
    new MediaService(allConverters(), { ...LIMITS, ...limits }, 1);
  const leftovers = () =>
    readdirSync(tmpdir()).filter(
      (f) => f.startsWith('switchboard-media-') && !f.startsWith('switchboard-media-test-'),
    ).length;
  const refused = async (work: Promise<unknown>, kind: string, message: RegExp) =>
    assert.rejects(
      work,
      (e: unknown) => e instanceof ConversionError && e.kind === kind && message.test(e.message),
    );

  test('past the time limit the tool is stopped, with nothing left behind', async () => {
    const before = leftovers();
    const long = await media.convert(Buffer.from('word '.repeat(400)), 'text/plain', 'audio/wav');
    await refused(
      strict({ timeoutMs: 30 }).convert(long.content, 'audio/wav', 'mp3'),
      'limit',
      /took longer than 30 ms and was stopped/,
    );
    assert.equal(leftovers(), before);
  });
  test('size, duration and page limits', async () => {
    await refused(
      strict({ maxOutputBytes: 1000 }).convert(speech, 'audio/wav', 'ulaw'),
      'limit',
      /produced \d+ bytes; the limit is 1000/,
    );
    await refused(
      strict({ maxAudioSeconds: 1 }).convert(speech, 'audio/wav', 'mp3'),
      'limit',
      /the recording is \d+ s long; the limit is 1 s/,
    );
    await refused(
      strict({ maxInputBytes: 10 }).convert(speech, 'audio/wav', 'mp3'),
      'limit',
      /the limit is 10/,
    );
    const many = pdfOf(Array.from({ length: 8 }, (_, i) => [`page ${i}`]));
    await refused(
      strict({ maxPages: 5 }).convert(many, 'application/pdf', 'fax'),
      'limit',
      /more than 5 pages/,
    );
  });
  test('truncated audio, a corrupt TIFF, a zero-length file, a PDF bomb', async () => {
    await refused(
      media.convert(speech.subarray(0, 30), 'audio/wav', 'mp3'),
      'bad-input',
      /cannot be decoded|failed/,
    );
    await refused(
      media.convert(Buffer.from('II*\0garbage that is not a tiff'), 'image/tiff', 'pdf'),
      'bad-input',
      /failed/,
    );
    await refused(media.convert(Buffer.alloc(0), 'audio/wav', 'mp3'), 'bad-input', /empty/);
    // A tiny PDF whose one page claims to be 200 inches square: rendering it at fax resolution
    // would be enormous; it is fitted to A4 instead, or stopped by the limits.
    const bomb = Buffer.from(
      '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 14400 14400]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF',
    );
    const started = Date.now();
    const result = await strict({ timeoutMs: 20_000 })
      .convert(bomb, 'application/pdf', 'fax')
      .then(
        (r) => r.content.length,
        (e: unknown) => (e instanceof ConversionError ? e.kind : 'crash'),
      );
    assert.ok(typeof result === 'number' ? result < 1_000_000 : result !== 'crash', String(result));
    assert.ok(Date.now() - started < 25_000);
    await refused(
      media.convert(Buffer.from('x'), 'application/x-unknown', 'pdf'),
      'no-route',
      /no converter reads application\/x-unknown/,
    );
    await refused(media.convert(speech, 'audio/wav', 'video/mp4'), 'no-route', /unknown format/);
  });
});

describe('streaming', () => {
  test('a conversion delivers its first output before its input ends', async () => {
    const long = await media.convert(
      Buffer.from('This recording is still arriving while it is being converted. '.repeat(6)),
      'text/plain',
      'audio/wav',
    );
    const chunks = Array.from({ length: 20 }, (_, i) =>
      long.content.subarray((i * long.content.length) / 20, ((i + 1) * long.content.length) / 20),
    );
    let inputEnded = 0;
    async function* arriving() {
      for (const chunk of chunks) {
        yield chunk;
        await new Promise((r) => setTimeout(r, 100));
      }
      inputEnded = Date.now();
    }
    const out = streamAudio(arriving(), 'audio/wav', 'mp3', LIMITS);
    let firstOutput = 0;
    const received: Buffer[] = [];
    for await (const data of out) {
      firstOutput ||= Date.now();
      received.push(data as Buffer);
    }
    assert.ok(inputEnded > 0 && firstOutput > 0);
    assert.ok(
      firstOutput < inputEnded,
      `first output ${inputEnded - firstOutput} ms before the input ended`,
    );
    assert.equal(probe(Buffer.concat(received)).codec, 'mp3');
  });
  test('a broken stream ends with a clear error', async () => {
    async function* garbage() {
      yield Buffer.from('this is not audio at all '.repeat(100));
    }
    const out = streamAudio(garbage(), 'audio/wav', 'mp3', LIMITS);
    await assert.rejects(
      async () => {
        for await (const _ of out) void _;
      },
      (e: unknown) => e instanceof ConversionError && /ffmpeg failed/.test(e.message),
    );
  });
});

describe('voice treatment', () => {
  const loudness = (file: string) => {
    const log = execFileSync('bash', [
      '-c',
      `ffmpeg -hide_banner -nostats -i ${file} -af ebur128 -f null - 2>&1 | grep -A1 'Integrated loudness' | tail -1`,
    ]).toString();
    return Number(/I:\s*(-?[\d.]+) LUFS/.exec(log)![1]);
  };
  test('noise reduced and loudness normalised towards -16 LUFS', async () => {
    const quiet = join(dir, 'quiet.wav');
    const noisy = join(dir, 'noisy.wav');
    const noise = join(dir, 'noise.wav');
    const treated = join(dir, 'treated.wav');
    writeFileSync(join(dir, 'speech-src.wav'), speech);
    sh('sox', [join(dir, 'speech-src.wav'), quiet, 'vol', '0.1']);
    const seconds = probe(speech).seconds.toFixed(2);
    sh('sox', [
      '-n',
      '-r',
      '22050',
      '-c',
      '1',
      '-b',
      '16',
      noise,
      'synth',
      seconds,
      'whitenoise',
      'vol',
      '0.005',
    ]);
    sh('sox', ['-m', quiet, noise, noisy]);
    await enhanceVoice(noisy, treated, 30_000);
    const before = loudness(noisy);
    const after = loudness(treated);
    assert.ok(Math.abs(after + 16) < Math.abs(before + 16), `${before} LUFS became ${after} LUFS`);
    assert.ok(Math.abs(after + 16) < 3, `${after} LUFS is near -16`);
  });
});

describe('fax cover pages', () => {
  test('a document with a cover page goes to fax, and the cover reads back by OCR', async () => {
    const doc = pdfOf([['Quarterly report'], ['Appendix']]);
    const pdf = await withCover(doc, {
      to: 'Mr Smith 030 1234',
      from: 'Switchboard Office',
      subject: 'Report',
      comments: 'Please sign page two',
    });
    assert.equal((await PDFDocument.load(pdf)).getPageCount(), 3);
    const fax = await media.convert(pdf, 'application/pdf', 'fax');
    assert.equal((tiffInfo(fax.content).match(/Image Width: 1728/g) ?? []).length, 3);
    const text = (await media.convert(fax.content, fax.format, 'text/plain')).content.toString();
    for (const word of ['FAX', 'Smith', 'Switchboard', 'Report', 'sign'])
      assert.ok(text.includes(word), `${word} in ${JSON.stringify(text.slice(0, 300))}`);
    assert.match(text, /3 \(including this cover page\)/);
  });
});

describe('every converter on a real sample', () => {
  test('each edge of the graph turns its input into non-empty output', async () => {
    const samples = new Map<string, Buffer>();
    samples.set('audio/wav', speech);
    for (const f of [
      'audio/wav;rate=16000',
      'audio/wav;rate=8000',
      'audio/wav;codec=pcmu',
      'audio/wav;codec=pcma',
      'audio/gsm',
      'audio/32kadpcm',
      'audio/ogg;codecs=opus',
      'audio/webm;codecs=opus',
      'audio/mpeg',
    ])
      samples.set(f, (await media.convert(speech, 'audio/wav', f)).content);
    samples.set('text/plain', Buffer.from('A short note for the converters.'));
    samples.set('text/html', Buffer.from('<p>A <i>short</i> note.</p>'));
    samples.set('application/pdf', pdfOf([['One page']]));
    samples.set(
      'image/tiff;application=faxg3',
      (await media.convert(samples.get('application/pdf')!, 'application/pdf', 'g3')).content,
    );
    samples.set(
      'image/tiff;application=faxg3;resolution=normal',
      (await media.convert(samples.get('application/pdf')!, 'application/pdf', 'fax-normal'))
        .content,
    );
    samples.set(
      'image/tiff;application=faxg4',
      (await media.convert(samples.get('application/pdf')!, 'application/pdf', 'g4')).content,
    );
    samples.set(
      'image/png',
      await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ffffff' } })
        .png()
        .toBuffer(),
    );
    samples.set(
      'image/jpeg',
      await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ffffff' } })
        .jpeg()
        .toBuffer(),
    );
    const work = mkdtempSync(join(dir, 'edges-'));
    const ran: string[] = [];
    for (const [i, c] of allConverters().entries()) {
      const input = join(work, `in-${i}`);
      const output = join(work, `out-${i}`);
      writeFileSync(input, samples.get(c.from) ?? assert.fail(`no sample for ${c.from}`));
      await c.convert(input, output, {
        limits: LIMITS,
        language: 'en',
        signal: new AbortController().signal,
        page: 1,
      });
      assert.ok(readFileSync(output).length > 0, `${c.id} from ${c.from} made output`);
      ran.push(`${c.from} -> ${c.to}`);
    }
    assert.equal(new Set(ran).size, allConverters().length);
  });
});

test('waveform peaks: one level per slice, loud where the recording is loud', () => {
  const samples = new Int16Array(8000);
  for (let i = 4000; i < 8000; i++) samples[i] = i % 2 ? 16384 : -16384;
  const peaks = peaksOf(samples, 4);
  assert.deepEqual(peaks, [0, 0, 0.5, 0.5]);
});
