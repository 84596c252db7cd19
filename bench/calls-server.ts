/**
 * The server side of the concurrent-calls benchmark (bench/calls.ts): a throwaway Switchboard
 * pinned to one core with `taskset`, its subscribers, what its log says about each call, and
 * its CPU time and memory read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DOMAIN = 'a.test';
/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`; 100 on Linux everywhere). */
const CLK_TCK = 100;

/** What the server logged when a call ended (`voicemail stored` and its siblings). */
export interface CallEnd {
  msg: string;
  end: string;
  durationMs: number;
  received: number;
  lost: number;
  /** Packets that came late or out of order, where the server reports them. */
  late: number;
  jitterMs: number | null;
}

export interface ServerOptions {
  /** The CPU list for `taskset -c`, or null to leave the server unpinned. */
  cpu: string | null;
  mailboxes: number;
  maxSeconds: number;
  /** Write a V8 CPU profile of the server into this folder when it stops. */
  profileDir: string | null;
}

/** A CPU-time and memory reading of the server process. */
export interface ProcSample {
  at: number;
  cpuSeconds: number;
  /** The part of cpuSeconds spent in the kernel (stime): system calls, UDP receive. */
  sysSeconds: number;
  /** Time the main (event-loop) thread was runnable but waited for a CPU (/proc/<pid>/schedstat). */
  waitSeconds: number;
  rssKiB: number;
}

export class BenchServer {
  /** Servers started and not yet stopped, for Ctrl-C to stop whatever is running. */
  static readonly running = new Set<BenchServer>();
  /** Call-ID → how the server says the call ended. */
  readonly ends = new Map<string, CallEnd>();
  /** Calls the server logged as answered. */
  answered = 0;
  /** Lines at warn level or above, counted (the first few are printed). */
  warnings = 0;
  sipPort = 0;
  url = '';
  /** The subscribers' numbers, tel: form without the scheme (+15550000, +15550001, ...). */
  numbers: string[] = [];
  private readonly sessions: string[] = [];
  private exited: Promise<void>;
  /** How much of the log file has been read. */
  private logRead = 0;

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    private readonly adminToken: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    BenchServer.running.add(this);
  }

  private get logFile(): string {
    return join(this.dataDir, 'server.log');
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(options: ServerOptions): Promise<BenchServer> {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
      throw new Error('dist/ is missing: run `npx tsc -p tsconfig.json` (or npm run build) first');
    const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-bench-calls-'));
    const adminToken = randomBytes(24).toString('hex');
    const prof = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
    const node = [process.execPath, ...prof, join(ROOT, 'bin', 'switchboard.js'), 'start'];
    // taskset execs node, so the child's pid is the server's own.
    const [command, ...args] = options.cpu ? ['taskset', '-c', options.cpu, ...node] : node;
    // The log goes to a file, not a pipe: pino writes synchronously, and a pipe the benchmark
    // is slow to drain would stall the server under test.
    const log = openSync(join(dataDir, 'server.log'), 'w');
    const child = spawn(command!, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_DATABASE_URL: '',
        SWITCHBOARD_HTTP_HOST: '127.0.0.1',
        SWITCHBOARD_HTTP_PORT: '0',
        SWITCHBOARD_SMTP_PORT: '0',
        SWITCHBOARD_SUBMISSION_PORT: '0',
        SWITCHBOARD_SMPP_PORT: '0',
        SWITCHBOARD_SIP_PORT: '0',
        SWITCHBOARD_DOMAINS: DOMAIN,
        SWITCHBOARD_ADMIN_TOKEN: adminToken,
        // info: the per-call lines (`voicemail stored` with its packet counts) are at info.
        SWITCHBOARD_LOG_LEVEL: 'info',
        SWITCHBOARD_VOICEMAIL_MAX_SECONDS: String(options.maxSeconds),
      },
      stdio: ['ignore', log, 'inherit'],
    });
    closeSync(log);
    const server = new BenchServer(child, dataDir, adminToken);
    try {
      const ports = await waitForPorts(join(dataDir, 'ports.json'), child);
      server.url = ports.url;
      server.sipPort = ports.sip;
      await server.addMailboxes(options.mailboxes);
      return server;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  /** Reads what the server logged since the last call (whole lines only). */
  async readLog(): Promise<void> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    const end = text.lastIndexOf('\n') + 1;
    if (end <= this.logRead) return;
    for (const line of text.slice(this.logRead, end).split('\n')) this.logLine(line);
    this.logRead = end;
  }

  private logLine(line: string): void {
    if (!line.startsWith('{')) return;
    let entry: any;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    if (entry.level >= 40 && ++this.warnings <= 5) console.error(`server: ${line}`);
    if (entry.msg === 'voicemail call answered') this.answered++;
    else if (CALL_ENDS.has(entry.msg) && entry.call)
      this.ends.set(entry.call, {
        msg: entry.msg,
        end: entry.end ?? '',
        durationMs: entry.durationMs ?? 0,
        received: entry.received ?? 0,
        lost: entry.lost ?? 0,
        late: entry.late ?? 0,
        jitterMs: typeof entry.jitterMs === 'number' ? entry.jitterMs : null,
      });
  }

  private async api<T = any>(method: string, path: string, body: unknown, token: string) {
    const res = await fetch(new URL(`/api/v1${path}`, this.url), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  /** Subscribers with a number each and quotas no run can reach; each one signed in. */
  private async addMailboxes(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const number = `+1555${String(i).padStart(4, '0')}`;
      const password = `bench password ${randomBytes(6).toString('hex')}`;
      // Huge quotas rather than null: the API stores `"quotaBytes": null` as 0.
      await this.api(
        'POST',
        '/subscribers',
        {
          name: `Calls Bench ${i}`,
          addresses: [`tel:${number}`, `sip:mailbox${i}@${DOMAIN}`],
          password,
          quotaBytes: 2 ** 50,
          quotaMessages: 2 ** 31 - 1,
        },
        this.adminToken,
      );
      const { token } = await this.api<{ token: string }>(
        'POST',
        '/sessions',
        { address: `tel:${number}`, password },
        '',
      );
      this.numbers.push(number);
      this.sessions.push(token);
    }
  }

  /** Voice messages in all the mailboxes' inboxes, as the API counts them. */
  async storedMessages(): Promise<number> {
    let total = 0;
    for (const token of this.sessions) {
      const { folders } = await this.api<{ folders: Array<{ folder: string; total: number }> }>(
        'GET',
        '/folders',
        undefined,
        token,
      );
      total += folders.find((f) => f.folder === 'inbox')?.total ?? 0;
    }
    return total;
  }

  /** The server's /metrics text ('' when it has none); its event-loop figures reset each time. */
  async metrics(): Promise<string> {
    try {
      const res = await fetch(new URL('/metrics', this.url));
      return res.ok ? await res.text() : '';
    } catch {
      return '';
    }
  }

  /**
   * utime + stime, run-queue wait and the resident set size, from /proc. Read synchronously
   * (microseconds), so that all of them and the time belong together even when this process is
   * itself kept waiting.
   */
  sample(): ProcSample {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const schedstat = readFileSync(`/proc/${this.pid}/schedstat`, 'utf8');
    const at = performance.now();
    // Fields after the command name (which may hold spaces), from field 3 on.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      at,
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLK_TCK,
      sysSeconds: Number(fields[12]) / CLK_TCK,
      waitSeconds: Number(schedstat.split(' ')[1]) / 1e9,
      rssKiB: kib(status, 'VmRSS'),
    };
  }

  /** The peak resident set size so far (VmHWM). */
  async peakRssKiB(): Promise<number> {
    return kib(await readFile(`/proc/${this.pid}/status`, 'utf8'), 'VmHWM');
  }

  /** SIGTERM (SIGKILL after 15 s), then the data folder removed. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
    // SWITCHBOARD_BENCH_KEEP=1 keeps the data folder (the server's log, recordings) to look into.
    if (process.env['SWITCHBOARD_BENCH_KEEP'] === '1') console.error(`kept ${this.dataDir}`);
    else await rm(this.dataDir, { recursive: true, force: true });
    BenchServer.running.delete(this);
  }
}

/** The log lines that end a call: its recording committed, or not kept. */
const CALL_ENDS = new Set([
  'voicemail stored',
  'voicemail discarded',
  'voicemail too short, discarded',
  'voicemail could not be stored',
]);

function kib(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : NaN;
}

async function waitForPorts(
  file: string,
  child: ChildProcess,
): Promise<{ url: string; sip: number }> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      return JSON.parse(await readFile(file, 'utf8')) as { url: string; sip: number };
    } catch {
      // Not written yet (or half written): poll again.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the server did not write ports.json within 30 s');
}

/** A value of the Prometheus text, NaN when absent. */
export function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}
