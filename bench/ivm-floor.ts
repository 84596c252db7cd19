/**
 * The machine's own floor for the messenger's live scenario: the same traffic (talkers at 50
 * frames/s, each frame copied to `fanout` listener sockets) over bare TCP between two Node
 * processes, with no WebSocket, no messenger, nothing but one write per listener per frame. What
 * this gets is the best any Node server that relays a frame per listener could get here, so the
 * messenger's figures are read against it.
 *
 * Run alone: node --import tsx bench/ivm-floor.ts [fanout] [talkers] [listeners] [seconds] [warmup]
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { paceTalkers } from './ivm-pace.js';

/** A frame as the messenger's: 8 header bytes and a 24 kbit/s Opus packet's 60. */
const FRAME_BYTES = 68;
const HELLO_BYTES = 5;

/** The relay: reads talkers' frames, writes each to its listeners. Runs in the child. */
function relay(fanout: number, listenerCount: number): void {
  const listeners: Socket[] = [];
  let registered = 0;
  // The scenario asks until every listener has said hello.
  process.on('message', () => process.send!({ registered }));
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    let talker = -1;
    socket.on('data', (chunk) => {
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      if (talker < 0) {
        if (pending.length < HELLO_BYTES) return;
        const index = pending.readUInt32BE(1);
        if (pending[0] === 1) {
          listeners[index] = socket;
          registered++;
        }
        talker = pending[0] === 1 ? Infinity : index;
        pending = pending.subarray(HELLO_BYTES);
      }
      while (pending.length >= FRAME_BYTES) {
        const frame = pending.subarray(0, FRAME_BYTES);
        pending = pending.subarray(FRAME_BYTES);
        for (let k = 0; k < fanout; k++)
          listeners[(talker * fanout + k) % listenerCount]!.write(frame);
      }
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!(typeof address === 'object' && address ? address.port : 0);
  });
}

function hello(kind: 0 | 1, index: number): Buffer {
  const out = Buffer.alloc(HELLO_BYTES);
  out[0] = kind;
  out.writeUInt32BE(index, 1);
  return out;
}

async function open(port: number, first: Buffer): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(first);
  return socket;
}

export interface FloorResult {
  latencies: number[];
  expected: number;
  /** The relay's CPU, a fraction of a core. */
  relayCpu: number;
}

function cpuSeconds(child: ChildProcess): number {
  // /proc/<pid>/stat fields 14 and 15: user and system time in 1/100 s.
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The floor scenario: its latencies, sender's write to listener's read, in this process. */
export async function floorScenario(
  fanout: number,
  talkers: number,
  listenerCount: number,
  seconds: number,
  warmup: number,
  relayCpu?: string,
): Promise<FloorResult> {
  const child = fork(
    fileURLToPath(import.meta.url),
    ['relay', String(fanout), String(listenerCount)],
    {
      stdio: 'inherit',
    },
  );
  try {
    if (relayCpu) pin(child, relayCpu);
    const port = await new Promise<number>((resolve) => child.once('message', resolve));
    const warmupFrames = warmup * 50;
    const frames = warmupFrames + seconds * 50;
    const sentAt = Array.from({ length: talkers }, () => new Float64Array(frames));
    const latencies: number[] = [];
    const listeners: Socket[] = [];
    for (let i = 0; i < listenerCount; i++) {
      const socket = await open(port, hello(1, i));
      let pending: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        const at = performance.now();
        pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
        while (pending.length >= FRAME_BYTES) {
          const seq = pending.readUInt32BE(4);
          if (seq >= warmupFrames) latencies.push(at - sentAt[pending.readUInt32BE(0)]![seq]!);
          pending = pending.subarray(FRAME_BYTES);
        }
      });
      listeners.push(socket);
    }
    for (;;) {
      child.send('registered?');
      const { registered } = await new Promise<{ registered: number }>((resolve) =>
        child.once('message', resolve),
      );
      if (registered === listenerCount) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const talking = await Promise.all(
      Array.from({ length: talkers }, (_, i) => open(port, hello(0, i))),
    );
    await new Promise((r) => setTimeout(r, 300));
    const before = cpuSeconds(child);
    const started = performance.now();
    await paceTalkers(talkers, frames, (i, seq) => {
      const frame = Buffer.alloc(FRAME_BYTES);
      frame.writeUInt32BE(i, 0);
      frame.writeUInt32BE(seq, 4);
      sentAt[i]![seq] = performance.now();
      talking[i]!.write(frame);
    });
    await new Promise((r) => setTimeout(r, 500));
    const used = cpuSeconds(child) - before;
    for (const s of [...listeners, ...talking]) s.destroy();
    return {
      latencies,
      expected: talkers * (frames - warmupFrames) * fanout,
      relayCpu: used / ((performance.now() - started) / 1000),
    };
  } finally {
    child.kill();
  }
}

function pin(child: ChildProcess, cpu: string): void {
  execFileSync('taskset', ['-a', '-cp', cpu, String(child.pid)], { stdio: 'ignore' });
}

if (process.argv[2] === 'relay') relay(Number(process.argv[3]), Number(process.argv[4]));
else if (import.meta.url === `file://${process.argv[1]}`) {
  const [fanout = 10, talkers = 100, listeners = 900, seconds = 10, warmup = 2] = process.argv
    .slice(2)
    .map(Number);
  const r = await floorScenario(fanout, talkers, listeners, seconds, warmup);
  const sorted = Float64Array.from(r.latencies).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  console.log(
    `bare TCP, 1 talker → ${fanout}: ${r.latencies.length} of ${r.expected}, p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(1)} ms, relay ${(r.relayCpu * 100).toFixed(0)}% of a core`,
  );
}
