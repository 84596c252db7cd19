/**
 * A throwaway Switchboard for a benchmark: the compiled server (dist/) started on its own data
 * folder with every port chosen by the system on loopback, found through the ports.json it
 * writes, and stopped (SIGTERM, SIGKILL after 15 s) and its folder removed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What the server writes to `<data dir>/ports.json` once it listens. */
export interface OwnServerPorts {
  url: string;
  http: number;
  smtp: number;
  submission: number;
  sip: number;
}

export interface OwnServerOptions {
  /** The data folder's name in the temporary folder, before mkdtemp's random suffix. */
  prefix: string;
  /** More environment for the server (on top of ours), e.g. SWITCHBOARD_LOG_LEVEL. */
  env?: Record<string, string>;
  /** Write a V8 CPU profile of the server (.cpuprofile) into this folder when it exits. */
  profileDir?: string | null;
  /** Pin the server to these CPUs (`taskset -c`), e.g. "1". */
  cpu?: string;
  /**
   * The server's stdout (its log) into `<data dir>/server.log` rather than our stderr: pino
   * writes synchronously, and a pipe the benchmark is slow to drain would stall the server.
   */
  logToFile?: boolean;
  /** Keep the data folder at stop() (and say where it is), to look into the log or the data. */
  keep?: boolean;
}

export interface OwnServer {
  readonly child: ChildProcess;
  readonly dataDir: string;
  readonly adminToken: string;
  readonly ports: OwnServerPorts;
  stop(): Promise<void>;
}

export async function startOwnServer(options: OwnServerOptions): Promise<OwnServer> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build` (or `npx tsc -p tsconfig.json`) first');
  const dataDir = await mkdtemp(join(tmpdir(), options.prefix));
  const adminToken = randomBytes(24).toString('hex');
  const prof = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
  const node = [process.execPath, ...prof, join(ROOT, 'bin', 'switchboard.js'), 'start'];
  // taskset execs node, so the child's pid is the server's own.
  const [command, ...args] = options.cpu ? ['taskset', '-c', options.cpu, ...node] : node;
  const log = options.logToFile ? openSync(join(dataDir, 'server.log'), 'w') : null;
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_HTTP_HOST: '127.0.0.1',
      SWITCHBOARD_HTTP_PORT: '0',
      SWITCHBOARD_SMTP_PORT: '0',
      SWITCHBOARD_SUBMISSION_PORT: '0',
      SWITCHBOARD_SIP_PORT: '0',
      SWITCHBOARD_SMPP_PORT: '0',
      SWITCHBOARD_ADMIN_TOKEN: adminToken,
      ...options.env,
    },
    // Without a log file the server's log (warnings and errors: they matter) goes to our
    // stderr, so that stdout carries only the results.
    stdio: log === null ? ['ignore', 2, 2] : ['ignore', log, 'inherit'],
  });
  if (log !== null) closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (options.keep) console.error(`kept ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const ports = await waitForPorts(join(dataDir, 'ports.json'), child);
    return { child, dataDir, adminToken, ports, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitForPorts(file: string, child: ChildProcess): Promise<OwnServerPorts> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      return JSON.parse(await readFile(file, 'utf8')) as OwnServerPorts;
    } catch {
      // Not written yet (or half written): poll again.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the server did not write ports.json within 30 s');
}
