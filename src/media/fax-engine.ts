import type { Readable } from 'node:stream';
import type {
  FaxEngine,
  FaxSession,
  FaxSessionOptions,
  T38FaxEngine,
  T38SessionOptions,
} from '../core/fax.js';
import { T38ProcessSession } from './fax-engine-t38.js';
import { FaxHelperSession } from './fax-helper.js';

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

export interface SpandspFaxEngineOptions {
  /** The helper binary (native/fax/build/switchboard-fax). */
  binary: string;
}

/**
 * The fax engine as a helper process per session (native/fax/fax-engine.c): a fault in spandsp
 * or libtiff ends one fax, never the server. Over audio, the helper turns each 20 ms frame of
 * the far end's audio into one frame to send; this side keeps the clock (a frame every 20 ms,
 * the far end's audio when it has come, silence when it has not) and watches the helper. Over
 * T.38 it turns IFP packets and clock ticks into IFP packets (fax-engine-t38.ts).
 */
export class SpandspFaxEngine implements FaxEngine, T38FaxEngine {
  constructor(private readonly options: SpandspFaxEngineOptions) {}

  receive(file: string, options: FaxSessionOptions): FaxProcessSession {
    return new FaxProcessSession(this.options, 'receive', file, options);
  }

  send(file: string, options: FaxSessionOptions): FaxProcessSession {
    return new FaxProcessSession(this.options, 'send', file, options);
  }

  receiveT38(file: string, options: T38SessionOptions): T38ProcessSession {
    return new T38ProcessSession(this.options.binary, 'receive', file, options);
  }

  sendT38(file: string, options: T38SessionOptions): T38ProcessSession {
    return new T38ProcessSession(this.options.binary, 'send', file, options);
  }
}

export class FaxProcessSession extends FaxHelperSession implements FaxSession {
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

  constructor(
    engine: SpandspFaxEngineOptions,
    mode: 'receive' | 'send',
    file: string,
    private readonly options: FaxSessionOptions,
  ) {
    super({
      binary: engine.binary,
      mode,
      file,
      ident: options.ident,
      ecm: options.ecm,
      page: options.page,
      tickMs: FRAME_MS / 2,
    });
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

  private feed(frame: Int16Array): void {
    if (this.stopping) return;
    this.write(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    this.fed++;
    if (this.fed - this.answered > MAX_UNANSWERED_FRAMES)
      this.kill('the fax engine stopped responding');
  }

  /**
   * The far end's frames are fed as they come (the helper answers each at once, so our audio
   * keeps its pace). When it sends nothing, silence is fed on our clock instead. Decided after
   * the event loop's I/O phase, so that packets that waited out a stall of ours come first.
   */
  protected tick(): void {
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

  protected readOutput(stdout: Readable): void {
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
}
