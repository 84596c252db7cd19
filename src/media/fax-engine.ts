import { spawn } from 'node:child_process';
import { readFile, rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type {
  FaxEngine,
  FaxOutcome,
  FaxProgress,
  FaxSession,
  FaxSessionOptions,
} from '../core/fax.js';
import { documentPages } from './pages.js';
import { runTool } from './run-tool.js';

const FRAME = 160; // 20 ms at 8 kHz
const FRAME_MS = 20;
/**
 * The far end silent this long (no packets at all): its audio is taken as silence from then on,
 * so that our side keeps sending. Shorter gaps are jitter or a stall of our own event loop, whose
 * packets are still on their way: filling those would shift the far end's signal in time.
 */
const GAP_MS = 200;
/** The most silence filled at once, after a long stall. */
const MAX_FILL_FRAMES = 25;
/** Our audio waiting for its 20 ms slot; a far end sending faster than time cannot grow it. */
const MAX_OUT_FRAMES = 50;
/** Frames written but not answered: past this the engine is taken to have hung (3 s). */
const MAX_UNANSWERED_FRAMES = 150;
/** After phase E, the last audio (DCN's tail) still goes out for this long before we stop. */
const AFTER_END_MS = 300;
/** How long the engine may take to close its file once told to stop. */
const STOP_GRACE_MS = 5000;

export interface SpandspFaxEngineOptions {
  /** The helper binary (native/fax/build/switchboard-fax). */
  binary: string;
}

/**
 * The fax engine as a helper process per session (native/fax/fax-engine.c): a fault in spandsp
 * or libtiff ends one fax, never the server. The helper turns each 20 ms frame of the far end's
 * audio into one frame to send; this side keeps the clock (a frame every 20 ms, the far end's
 * audio when it has come, silence when it has not) and watches the helper.
 */
export class SpandspFaxEngine implements FaxEngine {
  constructor(private readonly options: SpandspFaxEngineOptions) {}

  receive(file: string, options: FaxSessionOptions): FaxProcessSession {
    return new FaxProcessSession(this.options, 'receive', file, options);
  }

  send(file: string, options: FaxSessionOptions): FaxProcessSession {
    return new FaxProcessSession(this.options, 'send', file, options);
  }
}

export class FaxProcessSession implements FaxSession {
  readonly done: Promise<FaxOutcome>;
  private readonly child;
  private progress: FaxProgress = { pages: 0, remoteId: '', bitRate: 0, ecm: false };
  private end: (FaxProgress & { ok: boolean; status: string }) | null = null;
  private failure: string | null = null;
  private partial = new Int16Array(FRAME);
  private partialLength = 0;
  /** When the far end's last frame came, and the time slot of the last frame fed. */
  private lastHeard = -Infinity;
  private lastSlot = performance.now();
  private fed = 0;
  private answered = 0;
  private readonly out: Int16Array[] = [];
  private readonly outStarted = performance.now();
  private sent = 0;
  private clock: NodeJS.Timeout | null;
  private stopping = false;
  private stderrTail = '';

  constructor(
    engine: SpandspFaxEngineOptions,
    private readonly mode: 'receive' | 'send',
    private readonly file: string,
    private readonly options: FaxSessionOptions,
  ) {
    const args = [mode, file, '--ident', options.ident.slice(0, 20)];
    if (options.ecm === false) args.push('--no-ecm');
    this.child = spawn(engine.binary, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => undefined);
    this.readAudio(this.child.stdout);
    this.readEvents(this.child.stdio[3] as Readable);
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-2000);
    });
    this.clock = setInterval(() => this.tick(), FRAME_MS / 2);
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

  hear(pcm: Int16Array): void {
    let at = 0;
    while (at < pcm.length) {
      const take = Math.min(FRAME - this.partialLength, pcm.length - at);
      this.partial.set(pcm.subarray(at, at + take), this.partialLength);
      this.partialLength += take;
      at += take;
      if (this.partialLength === FRAME) {
        this.feed(this.partial);
        this.lastHeard = this.lastSlot = performance.now();
        this.partial = new Int16Array(FRAME);
        this.partialLength = 0;
      }
    }
  }

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

  private feed(frame: Int16Array): void {
    if (this.stopping) return;
    this.child.stdin.write(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    this.fed++;
    if (this.fed - this.answered > MAX_UNANSWERED_FRAMES)
      this.kill('the fax engine stopped responding');
  }

  /**
   * The far end's frames are fed as they come (the helper answers each at once, so our audio
   * keeps its pace). When it sends nothing, silence is fed on our clock instead. Decided after
   * the event loop's I/O phase, so that packets that waited out a stall of ours come first.
   */
  private tick(): void {
    this.pace();
    setImmediate(() => {
      const now = performance.now();
      if (this.stopping || now - this.lastHeard < GAP_MS) return;
      let frames = Math.floor((now - this.lastSlot) / FRAME_MS);
      if (frames > MAX_FILL_FRAMES) {
        frames = MAX_FILL_FRAMES;
        this.lastSlot = now;
      } else this.lastSlot += frames * FRAME_MS;
      for (let k = 0; k < frames; k++) this.feed(new Int16Array(FRAME));
    });
  }

  /**
   * Sends our audio on our clock, a frame per 20 ms: the helper answers as fast as frames come,
   * and two ends that each answered at once would run faster than any line. A slot with nothing
   * ready is skipped, not made up for later.
   */
  private pace(): void {
    const due = Math.floor((performance.now() - this.outStarted) / FRAME_MS) + 1;
    while (this.sent < due) {
      const frame = this.out.shift();
      if (!frame) {
        this.sent = due;
        break;
      }
      this.sent++;
      if (!this.stopping) this.options.send(frame);
    }
  }

  private readAudio(stdout: Readable): void {
    let held: Buffer = Buffer.alloc(0);
    stdout.on('data', (chunk: Buffer) => {
      held = held.length ? Buffer.concat([held, chunk]) : chunk;
      let at = 0;
      for (; at + FRAME * 2 <= held.length; at += FRAME * 2) {
        const pcm = new Int16Array(FRAME);
        for (let i = 0; i < FRAME; i++) pcm[i] = held.readInt16LE(at + i * 2);
        this.answered++;
        this.out.push(pcm);
        if (this.out.length > MAX_OUT_FRAMES) this.out.shift();
      }
      held = held.subarray(at);
    });
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
    if (e['event'] === 'page') this.options.page?.(this.progress);
    if (e['event'] === 'end' && !this.end) {
      this.end = {
        ...this.progress,
        ok: e['ok'] === true,
        status: typeof e['status'] === 'string' ? e['status'] : 'unknown',
      };
      setTimeout(() => this.stop(), AFTER_END_MS).unref();
    }
  }

  private halt(): void {
    if (this.clock) clearInterval(this.clock);
    this.clock = null;
  }

  private kill(why: string): void {
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
    if (this.mode === 'receive') outcome.pages = await wholePages(this.file, outcome.pages);
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
