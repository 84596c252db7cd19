import type { Command } from 'commander';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { createMediaService } from '../../app/media.js';
import { loadConfig } from '../../config/load.js';
import { FORMATS } from '../../media/formats.js';

/** A file's format from its extension, the way an operator names files. */
function formatOfFile(file: string): string | null {
  const ext = extname(file).slice(1).toLowerCase();
  const byExt: Record<string, string> = {
    tif: 'image/tiff',
    tiff: 'image/tiff',
    htm: 'text/html',
    jpeg: 'image/jpeg',
    oga: 'audio/ogg',
    opus: 'audio/ogg',
  };
  return byExt[ext] ?? FORMATS.find((f) => f.extension === ext)?.key ?? null;
}

export function registerConvert(program: Command, env: NodeJS.ProcessEnv): void {
  program
    .command('convert <input>')
    .description('convert a file through the media graph (the cheapest chain of converters)')
    .requiredOption(
      '--to <format>',
      'target format: a media type or a short name (opus, mp3, ulaw, pdf, fax, text, ...)',
    )
    .requiredOption('--out <file>', 'where to write the result')
    .option('--from <format>', 'input format, when the file extension does not say')
    .option('--language <tag>', 'language for speech', 'en')
    .option('--json', 'JSON output')
    .action(
      async (
        input: string,
        flags: { to: string; out: string; from?: string; language: string; json?: boolean },
      ) => {
        const from = flags.from ?? formatOfFile(input);
        if (!from) throw new Error(`cannot tell the format of ${input}; say it with --from`);
        const media = createMediaService(loadConfig(env));
        const started = Date.now();
        const result = await media.convert(await readFile(input), from, flags.to, {
          language: flags.language,
        });
        // Whole or nothing: the result appears under its name only once completely written.
        await writeFile(`${flags.out}.part`, result.content);
        await rename(`${flags.out}.part`, flags.out);
        const summary = {
          input,
          from,
          to: result.format,
          converter: result.converter,
          bytes: result.content.length,
          seconds: (Date.now() - started) / 1000,
        };
        process.stdout.write(
          flags.json
            ? JSON.stringify(summary) + '\n'
            : `wrote ${flags.out} (${result.format}, ${result.content.length} bytes) via ${result.converter} in ${summary.seconds} s\n`,
        );
      },
    );
}
