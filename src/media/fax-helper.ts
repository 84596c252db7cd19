import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile, rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { FaxOutcome, FaxProgress } from '../core/fax.js';
import { documentPages } from './pages.js';
import { runTool } from './run-tool.js';

/** After phase E, the last signals (DCN's tail) still go out for this long before we stop. */
const AFTER_END_MS = 300;
/** How long the engine may take to close its file once told to stop. */
const STOP_GRACE_MS = 5000;

/** What every session of the helper is told, audio or T.38. */
export interface HelperOptions {
  binary: string;
  mode: 'receive' | 'send';
  file: string;
  ident: string;
  ecm?: boolean;
  page?(progress: FaxProgress): void;
  /** More arguments (--t38). */
  args?: string[];
  /** How often `tick` runs while the session is up. */
  tickMs: number;
}

/**
 * One run of the fax helper (native/fax/fax-engine.c), whatever its stdio carries: started
 * with its arguments, its events (fd 3) read, its end judged. Subclasses feed stdin and read
 * stdout (audio frames, or T.38 records); this class watches the process and, when it failed
 * while receiving, keeps only the pages it confirmed whole.
 */
export abstract class FaxHelperSession {
  readonly done: Promise<FaxOutcome>;
  protected readonly child: ChildProcessWithoutNullStreams;
  protected stopping = false;
  private progress: FaxProgress = { pages: 0, remoteId: '', bitRate: 0, ecm: false };
  private end: (FaxProgress & { ok: boolean; status: string }) | null = null;
  private failure: string | null = null;
  private clock: NodeJS.Timeout | null;
  private stderrTail = '';

  constructor(private readonly helper: HelperOptions) {
    const args = [helper.mode, helper.file, '--ident', helper.ident.slice(0, 20)];
    if (helper.ecm === false) args.push('--no-ecm');
    args.push(...(helper.args ?? []));
    this.child = spawn(helper.binary, args, {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    }) as ChildProcessWithoutNullStreams;
    this.child.stdin.on('error', () => undefined);
    this.readOutput(this.child.stdout);
    this.readEvents(this.child.stdio[3] as Readable);
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-2000);
    });
    this.clock = setInterval(() => this.tick(), helper.tickMs);
    this.done = new Promise<FaxOutcome>((resolve) => {
      this.child.on('error', (err) => {
        this.failure ??= `the fax engine could not start: ${err.message}`;
      });
      this.child.on('close', (code, signal) => {
        this.halt();
        void this.finish(code, signal).then(resolve);
      });
    });
  }

  /** The helper's process id (tests stop it to play a sender that dies mid-document). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs every `tickMs` while the session is up: feed the helper, send what it made. */
  protected abstract tick(): void;
  /** Reads what the helper writes on stdout. */
  protected abstract readOutput(stdout: Readable): void;

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.halt();
    this.child.stdin.end();
    setTimeout(
      () => this.kill('the fax engine did not finish when the call ended'),
      STOP_GRACE_MS,
    ).unref();
  }

  /** Writes to the helper's stdin, unless the session is stopping. */
  protected write(data: Buffer): void {
    if (!this.stopping) this.child.stdin.write(data);
  }

  private readEvents(events: Readable): void {
    let text = '';
    events.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      let newline;
      while ((newline = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, newline);
        text = text.slice(newline + 1);
        this.event(line);
      }
      if (text.length > 8192) text = '';
    });
  }

  private event(line: string): void {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    this.progress = {
      pages: typeof e['pages'] === 'number' ? e['pages'] : this.progress.pages,
      remoteId: typeof e['remoteId'] === 'string' ? e['remoteId'].trim() : this.progress.remoteId,
      bitRate: typeof e['bitRate'] === 'number' ? e['bitRate'] : this.progress.bitRate,
      ecm: e['ecm'] === true,
    };
    if (e['event'] === 'page') this.helper.page?.(this.progress);
    if (e['event'] === 'end' && !this.end) {
      this.end = {
        ...this.progress,
        ok: e['ok'] === true,
        status: typeof e['status'] === 'string' ? e['status'] : 'unknown',
      };
      setTimeout(() => this.stop(), AFTER_END_MS).unref();
    }
  }

  protected halt(): void {
    if (this.clock) clearInterval(this.clock);
    this.clock = null;
  }

  protected kill(why: string): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.failure ??= why;
    this.halt();
    this.child.kill('SIGKILL');
  }

  private async finish(code: number | null, signal: NodeJS.Signals | null): Promise<FaxOutcome> {
    if (this.end && !this.failure && code === 0) return { ...this.end, engineFailed: false };
    const last = this.stderrTail.trim().split('\n').slice(-2).join(' | ');
    const status =
      this.failure ??
      `the fax engine crashed (${signal ? `signal ${signal}` : `exit ${code}`})${last ? `: ${last}` : ''}`;
    const outcome = {
      ...this.progress,
      ...(this.end ?? {}),
      ok: false,
      status,
      engineFailed: true,
    };
    if (this.helper.mode === 'receive')
      outcome.pages = await wholePages(this.helper.file, outcome.pages);
    return outcome;
  }
}

/**
 * After the engine failed, the received file holds the pages it confirmed, and possibly the
 * start of one more that libtiff never finished: keep only the confirmed ones. Gives how many
 * whole pages the file now holds (0: the file is removed).
 */
async function wholePages(file: string, confirmed: number): Promise<number> {
  const content = await readFile(file).catch(() => null);
  const inFile = content ? (documentPages('image/tiff', content) ?? 0) : 0;
  if (confirmed === 0 || inFile === 0) {
    await rm(file, { force: true });
    return 0;
  }
  if (inFile === confirmed) return confirmed;
  const pages = Array.from({ length: Math.min(confirmed, inFile) }, (_, i) => i).join(',');
  try {
    await runTool('tiffcp', [`${file},${pages}`, `${file}.whole`], { timeoutMs: 30_000 });
    await rename(`${file}.whole`, file);
    return Math.min(confirmed, inFile);
  } catch {
    await rm(`${file}.whole`, { force: true });
    await rm(file, { force: true });
    return 0;
  }
}
