import { writeFile } from 'node:fs/promises';
import type { Converter } from '../converter.js';
import { runTool } from '../run-tool.js';

const MODEL = '/usr/share/pocketsphinx/model/en-us';

/** espeak-ng voice for a BCP 47 tag: de-AT speaks de; an unknown language speaks English. */
export function espeakVoice(
  language: string,
  available: readonly string[] = [
    'en',
    'de',
    'fr',
    'es',
    'it',
    'nl',
    'pt',
    'pl',
    'sv',
    'da',
    'fi',
    'nb',
    'cs',
    'ru',
    'tr',
  ],
): string {
  const primary = language.split('-')[0]!.toLowerCase();
  // American English has its own voice; every other English stays with the default.
  if (language.toLowerCase() === 'en-us') return 'en-us';
  return available.includes(primary) ? primary : 'en';
}

/** Text to speech with espeak-ng, in the listener's language. */
export const espeakTts: Converter = {
  id: 'espeak-ng',
  from: 'text/plain',
  to: 'audio/wav',
  cost: 2,
  async convert(input, output, { limits, language, signal }) {
    await runTool(
      'espeak-ng',
      ['-v', espeakVoice(language), '-s', '160', '-w', output, '-f', input],
      { timeoutMs: limits.timeoutMs, signal },
    );
  },
};

/**
 * Speech to text with pocketsphinx (Debian's en-US model): the embedded baseline. Its accuracy
 * is poor (see docs/media.md and the media benchmark); the interface lets a better engine
 * replace it.
 */
export const pocketsphinxAsr: Converter = {
  id: 'pocketsphinx',
  from: 'audio/wav;rate=16000',
  to: 'text/plain',
  cost: 10,
  async convert(input, output, { limits, signal }) {
    const { stdout } = await runTool(
      'pocketsphinx_continuous',
      [
        '-infile',
        input,
        '-hmm',
        `${MODEL}/en-us`,
        '-lm',
        `${MODEL}/en-us.lm.bin`,
        '-dict',
        `${MODEL}/cmudict-en-us.dict`,
        '-logfn',
        '/dev/null',
      ],
      { timeoutMs: limits.timeoutMs, signal },
    );
    const text = stdout
      .toString('utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
    await writeFile(output, text + '\n');
  },
};
