import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { ConversionError } from './converter.js';

/** ffmpeg's opening arguments everywhere: no banner, no keyboard, errors only, overwrite. */
export const FFMPEG_QUIET = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];

/**
 * Runs a conversion tool: no shell, a time limit after which it is killed, a cap on what it
 * prints. Stderr's tail becomes the error message, so an operator sees why a tool refused.
 */
export function runTool(
  command: string,
  args: string[],
  options: {
    timeoutMs: number;
    signal?: AbortSignal;
    stdin?: Buffer;
    cwd?: string;
    /** A niceness (1–19) for work in the background, so that it yields the CPU to requests. */
    nice?: number;
  },
): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    if (options.nice && child.pid !== undefined)
      try {
        setPriority(child.pid, options.nice);
      } catch {
        // Not allowed here: it runs at the server's priority.
      }
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let killedFor: string | null = null;
    const kill = (why: string) => {
      killedFor ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => kill(`${command} took longer than ${options.timeoutMs} ms and was stopped`),
      options.timeoutMs,
    );
    const onAbort = () => kill(`${command} was cancelled`);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes > 64 * 1024 * 1024) kill(`${command} printed more than 64 MiB`);
      else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(
        new ConversionError(
          `cannot run ${command}: ${e.message} (is its Debian package installed?)`,
          'tool',
        ),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (killedFor) return reject(new ConversionError(killedFor, 'limit'));
      if (code !== 0) {
        const last = err.trim().split('\n').slice(-3).join(' | ');
        return reject(
          new ConversionError(
            `${command} failed (exit ${code}): ${last || 'no message'}`,
            'bad-input',
          ),
        );
      }
      resolve({ stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin);
  });
}
