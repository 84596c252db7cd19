import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Semaphore } from '../lib/semaphore.js';
import { ConversionError, type ConversionLimits, type Converter } from './converter.js';
import { ffmpegInputArgs, probeSeconds } from './converters/ffmpeg-audio.js';
import { FORMATS, formatInfo, formatKey, pageOf, type FormatInfo } from './formats.js';
import { plan, reachable } from './planner.js';

/** Reading a file's duration is quick; it gets its own bound, apart from the conversion's. */
const PROBE_TIMEOUT_MS = 10_000;

export interface ConversionResult {
  content: Buffer;
  /** The canonical format key, also the rendition's content type. */
  format: string;
  /** Converter ids along the chain, e.g. "ffmpeg:audio/wav;rate=16000+pocketsphinx". */
  converter: string;
}

/**
 * The conversion graph at work: plans the cheapest chain, runs each step in a private
 * temporary folder under the limits, and never leaves a half-written result: output is read
 * whole and the folder removed whatever happens. A pool bounds how many run at once, so
 * conversions never starve the server.
 */
export class MediaService {
  private readonly pool: Semaphore;

  constructor(
    private readonly converters: readonly Converter[],
    readonly limits: ConversionLimits,
    concurrency: number,
  ) {
    this.pool = new Semaphore(Math.max(1, concurrency));
  }

  /** The graph, for GET /api/v1/formats. */
  graph(): {
    formats: readonly FormatInfo[];
    converters: Array<{ id: string; from: string; to: string; cost: number }>;
  } {
    return {
      formats: FORMATS,
      converters: this.converters.map(({ id, from, to, cost }) => ({ id, from, to, cost })),
    };
  }

  /** The canonical key of a requested format or content type, or null if unknown. */
  key(format: string): string | null {
    const key = formatKey(format);
    // Each page of a PNG rendition is a rendition of its own.
    return key === 'image/png' && pageOf(format) > 1 ? `${key};page=${pageOf(format)}` : key;
  }

  /** Every format a part of this content type can be turned into. */
  targets(contentType: string): string[] {
    const from = formatKey(contentType);
    return from ? reachable(this.converters, from) : [];
  }

  get load(): { running: number; queued: number } {
    return { running: this.pool.busy, queued: this.pool.queued };
  }

  async convert(
    input: Buffer,
    contentType: string,
    format: string,
    options: { language?: string } = {},
  ): Promise<ConversionResult> {
    const from = formatKey(contentType);
    if (!from) throw new ConversionError(`no converter reads ${contentType}`, 'no-route');
    const to = formatKey(format);
    if (!to)
      throw new ConversionError(`unknown format "${format}"; see GET /api/v1/formats`, 'no-route');
    const page = pageOf(format);
    if (page > 1 && to !== 'image/png')
      throw new ConversionError('a page can be asked for only as image/png', 'no-route');
    if (from === to) return { content: input, format: to, converter: 'identity' };
    const chain = plan(this.converters, from, to);
    if (input.length === 0) throw new ConversionError('the input is empty', 'bad-input');
    if (input.length > this.limits.maxInputBytes)
      throw new ConversionError(
        `the input is ${input.length} bytes; the limit is ${this.limits.maxInputBytes}`,
        'limit',
      );
    const result = await this.pool.run(() =>
      this.run(input, from, chain, options.language ?? 'en', page),
    );
    return page > 1 ? { ...result, format: `${result.format};page=${page}` } : result;
  }

  private async run(
    input: Buffer,
    from: string,
    chain: Converter[],
    language: string,
    page: number,
  ): Promise<ConversionResult> {
    const dir = await mkdtemp(join(tmpdir(), 'switchboard-media-'));
    const controller = new AbortController();
    try {
      let current = join(dir, `input.${formatInfo(from)?.extension ?? 'bin'}`);
      await writeFile(current, input);
      if (formatInfo(from)?.kind === 'audio') {
        const seconds = await probeSeconds(current, ffmpegInputArgs(from), PROBE_TIMEOUT_MS).catch(
          () => {
            throw new ConversionError(
              `the ${from} input cannot be decoded (truncated or not audio)`,
              'bad-input',
            );
          },
        );
        if (seconds > this.limits.maxAudioSeconds)
          throw new ConversionError(
            `the recording is ${Math.round(seconds)} s long; the limit is ${this.limits.maxAudioSeconds} s`,
            'limit',
          );
      }
      for (const [i, step] of chain.entries()) {
        const output = join(dir, `step${i}.${formatInfo(step.to)?.extension ?? 'bin'}`);
        const context = { limits: this.limits, language, signal: controller.signal, page };
        await withTimeout(
          step.convert(current, output, context),
          this.limits.timeoutMs,
          step.id,
          controller,
        ).catch((err: unknown) => {
          // In-process converters (images, PDF, HTML) throw their library's errors: name the step.
          if (err instanceof ConversionError) throw err;
          throw new ConversionError(
            `${step.id} failed: ${(err as Error).message.split('\n')[0]}`,
            'bad-input',
          );
        });
        const size = await stat(output).then(
          (s) => s.size,
          () => 0,
        );
        if (size === 0)
          throw new ConversionError(`${step.id} produced nothing from its input`, 'bad-input');
        if (size > this.limits.maxOutputBytes)
          throw new ConversionError(
            `${step.id} produced ${size} bytes; the limit is ${this.limits.maxOutputBytes}`,
            'limit',
          );
        current = output;
      }
      return {
        content: await readFile(current),
        format: chain.at(-1)!.to,
        converter: chain.map((c) => c.id).join('+'),
      };
    } finally {
      controller.abort();
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** In-process converters cannot be killed; past the limit their result is refused instead. */
function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  controller: AbortController,
): Promise<T> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ConversionError(`${what} took longer than ${ms} ms and was stopped`, 'limit'));
    }, ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
