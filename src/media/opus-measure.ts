import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MeasureAnswer, MeasureJob } from './opus-measure-worker.js';

/** What the server measures of a voice message: never taken from the client. */
export interface OpusMeasurement {
  durationMs: number;
  /** 200 peak levels, 0..1. */
  waveform: number[];
}

/**
 * The worker: the compiled JavaScript beside this file in dist/ (production, e2e tests), else the
 * TypeScript source under tsx (unit tests). Node 20 does not apply the parent's `--import tsx`
 * hooks to a worker's entry file, so there a small bootstrap registers tsx first.
 */
function startWorker(): Worker {
  const js = new URL('./opus-measure-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js);
  const ts = new URL('./opus-measure-worker.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(ts)}); })`,
    { eval: true },
  );
}

/**
 * Duration and waveform of Opus packets, decoded in the process by libopus in WebAssembly
 * (opus-decoder) rather than by an ffmpeg run: about 60 µs a 20 ms packet, so in one long-lived
 * worker thread (a five-minute message would hold the event loop for most of a second). The
 * worker starts with the first job, takes jobs one after another, and is replaced if it dies.
 */
export class OpusMeasurer {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (m: OpusMeasurement) => void; reject: (err: Error) => void }
  >();

  /** `preSkip`: the stream's OpusHead pre-skip in 48 kHz samples, left out of the duration. */
  measure(packets: Buffer[], preSkip = 0): Promise<OpusMeasurement> {
    const lengths = new Uint32Array(packets.length);
    packets.forEach((p, i) => (lengths[i] = p.length));
    const data = new Uint8Array(lengths.reduce((sum, n) => sum + n, 0));
    let at = 0;
    for (const p of packets) {
      data.set(p, at);
      at += p.length;
    }
    const id = this.nextId++;
    const job: MeasureJob = { id, data: data.buffer, lengths: lengths.buffer, preSkip };
    return new Promise<OpusMeasurement>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const worker = this.start();
      worker.ref();
      worker.postMessage(job, [data.buffer, lengths.buffer]);
    });
  }

  /**
   * Starts the worker if it is not running, so that its start (a thread, libopus compiled from
   * WebAssembly: a few hundred ms) is not paid by the first message measured.
   */
  warm(): void {
    this.start();
  }

  /** Stops the worker; jobs still waiting fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
    this.fail(new Error('the Opus measurer was closed'));
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    // An idle worker does not keep the process alive; a job waiting does (see measure).
    worker.unref();
    worker.on('message', (answer: MeasureAnswer) => {
      const job = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      if (this.pending.size === 0) worker.unref();
      if (!job) return;
      if ('error' in answer) job.reject(new Error(`Opus measurement failed: ${answer.error}`));
      else job.resolve({ durationMs: answer.durationMs, waveform: answer.waveform });
    });
    const gone = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.fail(err);
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`the Opus measurer stopped (exit ${code})`)));
    this.worker = worker;
    return worker;
  }

  private fail(err: Error): void {
    for (const job of this.pending.values()) job.reject(err);
    this.pending.clear();
  }
}
