import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Sends with swaks (Debian), a real SMTP client; gives its exit code and transcript. */
export async function swaks(port: number, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(
      'swaks',
      [
        '--server',
        `127.0.0.1:${port}`,
        '--helo',
        'client.test',
        '--timeout',
        '20',
        '--suppress-data',
        ...args,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}
