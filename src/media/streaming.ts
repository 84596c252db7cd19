import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { ConversionError, type ConversionLimits } from './converter.js';
import { AUDIO_FORMATS, ffmpegInputArgs, ffmpegOutputArgs } from './converters/ffmpeg-audio.js';
import { formatKey } from './formats.js';

/**
 * Seed 003's synchronous conversion: audio converted while it is still arriving (a recording
 * in progress, a live voice message). ffmpeg reads the input as it comes and writes output as it
 * goes; the returned stream carries it. Errors and limits end the stream with a ConversionError.
 */
export function streamAudio(
  input: AsyncIterable<Buffer>,
  contentType: string,
  format: string,
  limits: ConversionLimits,
): Readable {
  const from = formatKey(contentType);
  const to = formatKey(format);
  if (!from || !to || !AUDIO_FORMATS.includes(from) || !AUDIO_FORMATS.includes(to))
    throw new ConversionError(
      `no streaming conversion from ${contentType} to ${format}`,
      'no-route',
    );
  const out = new PassThrough();
  const child = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      ...ffmpegInputArgs(from),
      '-i',
      'pipe:0',
      '-t',
      String(limits.maxAudioSeconds),
      '-vn',
      '-flush_packets',
      '1',
      ...ffmpegOutputArgs(to),
      'pipe:1',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let written = 0;
  let failure: ConversionError | null = null;
  const fail = (error: ConversionError) => {
    failure ??= error;
    child.kill('SIGKILL');
  };
  const timer = setTimeout(
    () =>
      fail(
        new ConversionError(
          `streaming conversion took longer than ${limits.timeoutMs} ms and was stopped`,
          'limit',
        ),
      ),
    limits.timeoutMs,
  );
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  child.stdout.on('data', (d: Buffer) => {
    written += d.length;
    if (written > limits.maxOutputBytes)
      fail(new ConversionError(`the output passed ${limits.maxOutputBytes} bytes`, 'limit'));
    else out.write(d);
  });
  child.on('close', (code) => {
    clearTimeout(timer);
    if (failure) out.destroy(failure);
    else if (code !== 0)
      out.destroy(
        new ConversionError(
          `ffmpeg failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`,
          'bad-input',
        ),
      );
    else out.end();
  });
  child.stdin.on('error', () => {});
  void (async () => {
    let read = 0;
    try {
      for await (const chunk of input) {
        read += chunk.length;
        if (read > limits.maxInputBytes)
          return fail(
            new ConversionError(`the input passed ${limits.maxInputBytes} bytes`, 'limit'),
          );
        if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
      }
      child.stdin.end();
    } catch (err) {
      fail(new ConversionError(`the input stream failed: ${(err as Error).message}`, 'bad-input'));
    }
  })();
  return out;
}
