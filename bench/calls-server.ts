/**
 * The server side of the concurrent-calls benchmark (bench/calls.ts): a throwaway Switchboard
 * pinned to one core with `taskset`, its subscribers, what its log says about each call, and
 * its CPU time and memory read from /proc.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startOwnServer, type OwnServer } from './own-server.js';

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
  readonly sipPort: number;
  readonly url: string;
  /** The subscribers' numbers, tel: form without the scheme (+15550000, +15550001, ...). */
  numbers: string[] = [];
  private readonly sessions: string[] = [];
  /** How much of the log file has been read. */
  private logRead = 0;

  private constructor(private readonly own: OwnServer) {
    this.sipPort = own.ports.sip;
    this.url = own.ports.url;
    BenchServer.running.add(this);
  }

  /** The server's data folder: its log (server.log), database and recordings. */
  get dataDir(): string {
    return this.own.dataDir;
  }

  private get logFile(): string {
    return join(this.dataDir, 'server.log');
  }

  get pid(): number {
    return this.own.child.pid!;
  }

  static async start(options: ServerOptions): Promise<BenchServer> {
    const own = await startOwnServer({
      prefix: 'switchboard-bench-calls-',
      profileDir: options.profileDir,
      ...(options.cpu ? { cpu: options.cpu } : {}),
      logToFile: true,
      // SWITCHBOARD_BENCH_KEEP=1 keeps the data folder (the server's log, recordings) to look into.
      keep: process.env['SWITCHBOARD_BENCH_KEEP'] === '1',
      env: {
        SWITCHBOARD_DATABASE_URL: '',
        SWITCHBOARD_DOMAINS: DOMAIN,
        // info: the per-call lines (`voicemail stored` with its packet counts) are at info.
        SWITCHBOARD_LOG_LEVEL: 'info',
        SWITCHBOARD_VOICEMAIL_MAX_SECONDS: String(options.maxSeconds),
      },
    });
    const server = new BenchServer(own);
    try {
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
        this.own.adminToken,
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

  /** SIGTERM (SIGKILL after 15 s), then the data folder removed (unless kept). */
  async stop(): Promise<void> {
    await this.own.stop();
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

/** A value of the Prometheus text, NaN when absent. */
export function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}
