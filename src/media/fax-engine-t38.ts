import type { Readable } from 'node:stream';
import type { T38Session, T38SessionOptions } from '../core/fax.js';
import { FaxHelperSession } from './fax-helper.js';

const TICK_MS = 20;
/** The most ticks given at once after a stall of our event loop (spandsp's timers catch up). */
const MAX_CATCH_UP = 25;
/** Ticks written but not answered: past this the engine is taken to have hung (3 s). */
const MAX_UNANSWERED = 150;
/** The largest IFP packet passed either way (the helper's own limit). */
export const MAX_IFP = 4096;
const HEAD = 5;

/** One stdio record of the helper's T.38 mode: kind, sequence number, length, bytes. */
function record(kind: 't' | 'p', seq: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(HEAD + data.length);
  out[0] = kind.charCodeAt(0);
  out.writeUInt16LE(seq & 0xffff, 1);
  out.writeUInt16LE(data.length, 3);
  data.copy(out, HEAD);
  return out;
}

/**
 * A T.38 session of the helper (`--t38`, docs/fax.md): IFP packets from the far end go in as
 * they come, with their UDPTL sequence numbers; a tick every 20 ms of our clock drives
 * spandsp's timers and pacing, and each is answered by the packets to send, then a tick mark.
 * The caller does the UDPTL framing both ways.
 */
export class T38ProcessSession extends FaxHelperSession implements T38Session {
  private readonly started = performance.now();
  private ticked = 0;
  private fed = 0;
  private answered = 0;

  constructor(
    binary: string,
    mode: 'receive' | 'send',
    file: string,
    private readonly options: T38SessionOptions,
  ) {
    super({
      binary,
      mode,
      file,
      ident: options.ident,
      ecm: options.ecm,
      page: options.page,
      args: ['--t38'],
      tickMs: TICK_MS / 2,
    });
  }

  ifp(seq: number, packet: Buffer): void {
    if (packet.length === 0 || packet.length > MAX_IFP) return;
    this.write(record('p', seq, packet));
  }

  protected tick(): void {
    if (this.stopping) return;
    const due = Math.floor((performance.now() - this.started) / TICK_MS);
    // After a long stall the clock skips ahead rather than firing every tick it missed.
    if (due - this.ticked > MAX_CATCH_UP) this.ticked = due - MAX_CATCH_UP;
    while (this.ticked < due) {
      this.ticked++;
      this.fed++;
      this.write(record('t', 0));
    }
    if (this.fed - this.answered > MAX_UNANSWERED) this.kill('the fax engine stopped responding');
  }

  protected readOutput(stdout: Readable): void {
    let held: Buffer = Buffer.alloc(0);
    stdout.on('data', (chunk: Buffer) => {
      held = held.length ? Buffer.concat([held, chunk]) : chunk;
      let at = 0;
      while (at + HEAD <= held.length) {
        const length = held.readUInt16LE(at + 3);
        if (at + HEAD + length > held.length) break;
        const kind = String.fromCharCode(held[at]!);
        if (kind === 't') this.answered++;
        else if (kind === 'p' && !this.stopping)
          this.options.sendIfp(Buffer.from(held.subarray(at + HEAD, at + HEAD + length)));
        at += HEAD + length;
      }
      held = held.subarray(at);
    });
  }
}
