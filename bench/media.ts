/**
 * Media benchmark: how fast the conversion graph turns telephony audio into Opus and MP3, how
 * fast text becomes speech and speech text, how accurate the speech-to-text baseline is, and how
 * many PDF pages per second become a fax.
 *
 *   npm run bench:media
 *
 * Every figure goes through MediaService.convert with the converters Switchboard ships (the same
 * chains, temporary folders and limits as the server), one conversion at a time. Samples are made
 * with espeak-ng, sox and ghostscript in a temporary folder that is removed at the end. No
 * options; it takes a few minutes on a 2-core machine.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { allConverters } from '../src/media/catalog.js';
import type { ConversionLimits } from '../src/media/converter.js';
import { MediaService, type ConversionResult } from '../src/media/media-service.js';

/** Generous limits: the benchmark measures speed, not the limits. */
const LIMITS: ConversionLimits = {
  timeoutMs: 300_000,
  maxOutputBytes: 500_000_000,
  maxInputBytes: 500_000_000,
  maxPages: 50,
  maxAudioSeconds: 600,
};
const RUNS = 3;
const FAX_PAGES = 20;

/** One conversion at a time, so each timing has the machine to itself. */
const media = new MediaService(allConverters(), LIMITS, 1);

const execFileAsync = promisify(execFile);

/** Runs a tool (no shell) and returns what it printed. Asynchronous, so Ctrl-C is heard. */
async function sh(cmd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(cmd, args, { maxBuffer: 64 << 20 });
  return stdout;
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Seconds of audio in a file, from ffprobe. */
async function audioSeconds(dir: string, content: Buffer, name: string): Promise<number> {
  const file = join(dir, name);
  await writeFile(file, content);
  const out = await sh('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration',
    '-of',
    'default=noprint_wrappers=1:nokey=1',
    file,
  ]);
  return Number(out.trim());
}

/** Runs one conversion and returns its result with the wall-clock seconds it took. */
async function timed(
  work: () => Promise<ConversionResult>,
): Promise<{ result: ConversionResult; seconds: number }> {
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** The same conversion RUNS times; the median time and the last result. */
async function medianOf(
  work: () => Promise<ConversionResult>,
): Promise<{ result: ConversionResult; seconds: number; all: number[] }> {
  const all: number[] = [];
  let last: ConversionResult | undefined;
  for (let i = 0; i < RUNS; i++) {
    const { result, seconds } = await timed(work);
    all.push(seconds);
    last = result;
  }
  return { result: last!, seconds: median(all), all };
}

const runsText = (all: number[]) => all.map((s) => fmt(s)).join(', ');

// ---------------------------------------------------------------------------------------------
// Word error rate

/** Lowercased words without punctuation ("Dentist's," → "dentists"). */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .split(/\s+/)
    .filter(Boolean);
}

/** Word-level Levenshtein distance: substitutions + deletions + insertions. */
function editDistance(ref: string[], hyp: string[]): number {
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const row = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = prev[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      row.push(Math.min(substitution, prev[j]! + 1, row[j - 1]! + 1));
    }
    prev = row;
  }
  return prev[hyp.length]!;
}

/**
 * Voicemail-like sentences. Numbers are written as the words a caller says, so the reference is
 * what is spoken and what a recogniser (which writes words, not digits) can get right.
 */
const SENTENCES = [
  'Please call me back tomorrow morning.',
  "Hi John, this is Sarah from the dentist's office.",
  'Your appointment is on Tuesday at three thirty.',
  'My number is five five five, two one nine, four four seven zero.',
  "I will be there at eight o'clock tonight.",
  'The package should arrive on Friday afternoon.',
  'Can you pick up some milk on your way home?',
  'Michael wants to move the meeting to next Monday.',
  'The total comes to forty two dollars and fifty cents.',
  'Thanks, talk to you soon, bye.',
];

/** About 30 s of speech at espeak-ng's 160 words a minute. */
const PARAGRAPH =
  'Hello, this is Emma from the front desk at the Riverside clinic. I am calling about your ' +
  'appointment next week. The doctor is running late on Tuesday, so we would like to move you ' +
  'to Wednesday morning at half past nine instead. If that time does not suit you, please call ' +
  'us back before Friday and we will find another slot. Remember to bring your insurance card ' +
  'and the letter from your last visit. Our phone lines are open from eight in the morning until ' +
  'six in the evening. Thank you, and have a lovely afternoon.';

/** Text read aloud to make the minute of telephony audio. */
const MINUTE_TEXT =
  'Good morning, this is a message for the accounts team. The invoice we sent last month has ' +
  'not been paid yet, and we would be grateful if someone could look into it this week. ';

// ---------------------------------------------------------------------------------------------

interface Row {
  figure: string;
  value: string;
  detail: string;
}

async function toolVersions(): Promise<string> {
  try {
    return (
      await sh('dpkg-query', [
        '-W',
        '-f',
        '${Package} ${Version}\\n',
        'ffmpeg',
        'espeak-ng',
        'pocketsphinx',
        'ghostscript',
        'sox',
      ])
    )
      .trim()
      .split('\n')
      .join(', ');
  } catch {
    return '(dpkg-query unavailable)';
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-bench-media-'));
  // MediaService makes its working folders under os.tmpdir(): put them inside ours, so that an
  // interrupted run (Ctrl-C) leaves nothing behind either.
  process.env.TMPDIR = dir;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  const rows: Row[] = [];
  try {
    console.log('# Media benchmark\n');
    console.log(
      `Load average at start: ${loadavg()
        .map((l) => fmt(l))
        .join(', ')}`,
    );
    console.log(`Tools: ${await toolVersions()}`);
    console.log(`Node ${process.version}; one conversion at a time; medians of ${RUNS} runs.\n`);

    // 1. One minute of G.711 mu-law to Opus and MP3 ---------------------------------------------
    console.log('## 1. One minute of G.711 (mu-law WAV, 8 kHz) to Opus and MP3\n');
    const textFile = join(dir, 'minute.txt');
    const longWav = join(dir, 'minute-long.wav');
    const minuteWav = join(dir, 'minute.wav');
    let repeats = 4;
    for (;;) {
      await writeFile(textFile, MINUTE_TEXT.repeat(repeats));
      await sh('espeak-ng', ['-v', 'en-us', '-s', '160', '-w', longWav, '-f', textFile]);
      if (Number((await sh('soxi', ['-D', longWav])).trim()) >= 60) break;
      repeats *= 2;
    }
    // Exactly 60 s: cut the speech at 60 s, and pad with silence if it were shorter.
    await sh('sox', [longWav, minuteWav, 'trim', '0', '60', 'pad', '0', '60', 'trim', '0', '60']);
    const ulaw = await media.convert(await readFile(minuteWav), 'audio/wav', 'ulaw');
    const ulawSeconds = await audioSeconds(dir, ulaw.content, 'minute-ulaw.wav');
    console.log(
      `Input: ${fmt(ulawSeconds)} s of espeak-ng speech (en-us), ${ulaw.format}, ` +
        `${ulaw.content.length} bytes.`,
    );
    for (const format of ['opus', 'mp3']) {
      const r = await medianOf(() => media.convert(ulaw.content, ulaw.format, format));
      const outSeconds = await audioSeconds(dir, r.result.content, `minute-out.${format}`);
      console.log(
        `ulaw → ${format} (${r.result.converter}): median ${fmt(r.seconds)} s ` +
          `(runs ${runsText(r.all)}), ${fmt(ulawSeconds / r.seconds, 0)}× real time, ` +
          `${r.result.content.length} bytes, ${fmt(outSeconds)} s of audio out`,
      );
      rows.push({
        figure: `1 min G.711 → ${format === 'opus' ? 'Opus' : 'MP3'}`,
        value: `${fmt(r.seconds)} s`,
        detail: `${fmt(ulawSeconds / r.seconds, 0)}× real time; ${r.result.converter}; ${Math.round(r.result.content.length / 1024)} KiB`,
      });
    }

    // 2. Text to speech ---------------------------------------------------------------------------
    console.log('\n## 2. Text to speech (espeak-ng, text/plain → audio/wav)\n');
    const tts = await medianOf(() =>
      media.convert(Buffer.from(PARAGRAPH), 'text/plain', 'audio/wav', { language: 'en-US' }),
    );
    const ttsAudio = await audioSeconds(dir, tts.result.content, 'paragraph.wav');
    const ttsRtf = tts.seconds / ttsAudio;
    console.log(
      `${words(PARAGRAPH).length} words → ${fmt(ttsAudio)} s of audio in ${fmt(tts.seconds, 3)} s ` +
        `(runs ${tts.all.map((s) => fmt(s, 3)).join(', ')}): real-time factor ${fmt(ttsRtf, 3)}`,
    );
    rows.push({
      figure: 'Text to speech RTF',
      value: fmt(ttsRtf, 3),
      detail: `${fmt(tts.seconds, 3)} s for ${fmt(ttsAudio, 1)} s of audio (${tts.result.converter})`,
    });

    // 3. Speech to text ---------------------------------------------------------------------------
    console.log('\n## 3. Speech to text (pocketsphinx, audio/wav → text/plain), same audio\n');
    const stt = await medianOf(() => media.convert(tts.result.content, 'audio/wav', 'text/plain'));
    const sttRtf = stt.seconds / ttsAudio;
    const paragraphRef = words(PARAGRAPH);
    const paragraphHyp = words(stt.result.content.toString());
    const paragraphWer = editDistance(paragraphRef, paragraphHyp) / paragraphRef.length;
    console.log(
      `${fmt(ttsAudio)} s of audio in ${fmt(stt.seconds)} s (runs ${runsText(stt.all)}): ` +
        `real-time factor ${fmt(sttRtf, 3)} (${stt.result.converter})`,
    );
    console.log(`Transcript: ${stt.result.content.toString().trim()}`);
    console.log(`(Word error rate on this paragraph: ${fmt(paragraphWer * 100, 1)} %)`);
    rows.push({
      figure: 'Speech to text RTF',
      value: fmt(sttRtf, 3),
      detail: `${fmt(stt.seconds)} s for ${fmt(ttsAudio, 1)} s of audio (${stt.result.converter})`,
    });

    // 4. Word error rate --------------------------------------------------------------------------
    console.log('\n## 4. Speech-to-text word error rate (pocketsphinx baseline)\n');
    console.log(
      'Synthetic speech (espeak-ng, en-us voice, 160 words/min) is not human speech: this is a\n' +
        'repeatable baseline to judge other engines against, not a real-world accuracy figure.\n',
    );
    let errors = 0;
    let refWords = 0;
    for (const [i, sentence] of SENTENCES.entries()) {
      const wav = join(dir, `sentence-${i}.wav`);
      await sh('espeak-ng', ['-v', 'en-us', '-s', '160', '-w', wav, sentence]);
      const r = await media.convert(await readFile(wav), 'audio/wav', 'text/plain');
      const ref = words(sentence);
      const hyp = words(r.content.toString());
      const e = editDistance(ref, hyp);
      errors += e;
      refWords += ref.length;
      console.log(`${i + 1}. ref: ${ref.join(' ')}`);
      console.log(`   hyp: ${hyp.join(' ') || '(nothing)'}`);
      console.log(`   ${e} error(s) in ${ref.length} words\n`);
    }
    const wer = errors / refWords;
    console.log(
      `Overall WER: ${errors} / ${refWords} = ${fmt(wer * 100, 1)} % over ${SENTENCES.length} sentences`,
    );
    rows.push({
      figure: 'Speech to text WER',
      value: `${fmt(wer * 100, 1)} %`,
      detail: `${errors} errors / ${refWords} words, ${SENTENCES.length} espeak-ng sentences (synthetic speech)`,
    });

    // 5. PDF to fax -------------------------------------------------------------------------------
    console.log(`\n## 5. PDF → fax TIFF G3, ${FAX_PAGES} pages\n`);
    const ps = ['%!PS', '/Helvetica findfont 14 scalefont setfont'];
    for (let page = 1; page <= FAX_PAGES; page++) {
      ps.push(`/Helvetica-Bold findfont 24 scalefont setfont 72 740 moveto (Page ${page}) show`);
      ps.push('/Helvetica findfont 14 scalefont setfont');
      for (let line = 0; line < 40; line++)
        ps.push(
          `72 ${700 - line * 16} moveto (Line ${line + 1}: the quick brown fox jumps over the lazy dog 0123456789) show`,
        );
      ps.push('showpage');
    }
    const psFile = join(dir, 'doc.ps');
    const pdfFile = join(dir, 'doc.pdf');
    await writeFile(psFile, ps.join('\n') + '\n');
    await sh('gs', [
      '-q',
      '-dSAFER',
      '-dBATCH',
      '-dNOPAUSE',
      '-sDEVICE=pdfwrite',
      `-sOutputFile=${pdfFile}`,
      psFile,
    ]);
    const pdf = await readFile(pdfFile);
    const fax = await medianOf(() => media.convert(pdf, 'application/pdf', 'fax'));
    const tiffFile = join(dir, 'doc.tif');
    await writeFile(tiffFile, fax.result.content);
    const tiffPages = (
      (await sh('tiffinfo', [tiffFile])).match(/^TIFF Directory at offset/gm) ?? []
    ).length;
    if (tiffPages !== FAX_PAGES)
      throw new Error(`the fax has ${tiffPages} pages, not ${FAX_PAGES}`);
    const pagesPerSecond = FAX_PAGES / fax.seconds;
    console.log(
      `${pdf.length} bytes of PDF → ${tiffPages} G3 pages (${fax.result.content.length} bytes) in ` +
        `${fmt(fax.seconds)} s (runs ${runsText(fax.all)}): ${fmt(pagesPerSecond, 1)} pages/s`,
    );
    rows.push({
      figure: 'PDF → fax G3',
      value: `${fmt(pagesPerSecond, 1)} pages/s`,
      detail: `${FAX_PAGES} pages in ${fmt(fax.seconds)} s (${fax.result.converter})`,
    });

    // Summary -------------------------------------------------------------------------------------
    console.log('\n## Summary\n');
    const table: string[][] = [
      ['Figure', 'Value', 'Detail'],
      ...rows.map((r) => [r.figure, r.value, r.detail]),
    ];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    const line = (row: string[]) =>
      `| ${row.map((cell, c) => (c === 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
    console.log(line(table[0]!));
    console.log(
      `| ${widths.map((w, c) => (c === 1 ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ')} |`,
    );
    for (const row of table.slice(1)) console.log(line(row));
    console.log(
      `\nLoad average at end: ${loadavg()
        .map((l) => fmt(l))
        .join(', ')}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
