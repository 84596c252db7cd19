/**
 * Voice messenger benchmark: many connected clients, talkers streaming live Opus frames to
 * listeners, and recorded messages stored and delivered to online recipients.
 *
 *   npm run build && npm run bench:ivm -- [--clients 1000] [--talkers 100] [--seconds 10]
 *                                          [--recorded 100] [--enhance true] [--profile dir]
 *                                          [--pin false] [--floor true] [--warmup 2] [--timeline false]
 *
 * It starts its own server (dist/) on a throwaway data folder, prints its figures and stops.
 * Figures:
 *   - live frame latency, sender to listeners (p50, p99, max), with 1 listener per talker and
 *     then 10: from the talker's send() to the listener's 'message' event, both in this process
 *     (one clock), so it includes the client's own event loop under the same load; beside
 *     each, the floor: the same traffic over bare TCP between two Node processes (ivm-floor.ts);
 *   - recorded-message delivery latency to online recipients: from the talker's `end` to the
 *     recipient holding the stored post (treatment, intake commit and fan-out included).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import BetterSqlite3 from 'better-sqlite3';
import WebSocket from 'ws';
import { lavfiPackets } from '../test/e2e/ivm-ogg.js';
import { floorScenario } from './ivm-floor.js';
import { paceTalkers } from './ivm-pace.js';
import { startOwnServer, type OwnServer } from './own-server.js';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    talkers: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    /** Seconds each live scenario runs before its frames are counted. */
    warmup: { type: 'string', default: '2' },
    /** Print each live scenario's p50/p99 by second (warm-up included). */
    timeline: { type: 'string', default: 'false' },
    recorded: { type: 'string', default: '100' },
    enhance: { type: 'string', default: 'true' },
    /** Write a V8 CPU profile of the server here. */
    profile: { type: 'string' },
    /**
     * Pin the server and this client each to its own core (`taskset`), so that the two do not
     * take turns on one core while the other idles. Only on a quiet machine: anything else
     * running then takes its time from one of them, which cannot move; by default the
     * scheduler places them.
     */
    pin: { type: 'string', default: 'false' },
    /** Also run each live scenario over bare TCP (bench/ivm-floor.ts), the machine's floor. */
    floor: { type: 'string', default: 'true' },
  },
});
const CLIENTS = Number(args.clients);
const TALKERS = Number(args.talkers);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const RECORDED = Number(args.recorded);

interface Peer {
  index: number;
  address: string;
  socket: WebSocket;
  /** Text frames waiting for their id. */
  waiting: Map<string, (frame: any) => void>;
  onFrame: ((frame: any) => void) | null;
  onAudio: ((data: Buffer, at: number) => void) | null;
}

function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** p50/p99 of each second's samples, e.g. "0:12/80 1:1/6 …". */
function timeline(bySecond: number[][]): string {
  return bySecond
    .map((samples, second) => {
      const sorted = Float64Array.from(samples).sort();
      return `${second}:${percentile(sorted, 50).toFixed(0)}/${percentile(sorted, 99).toFixed(0)}`;
    })
    .join(' ');
}

function summary(samples: number[]): string {
  const sorted = Float64Array.from(samples).sort();
  const f = (n: number) => n.toFixed(2).padStart(8);
  return `${String(samples.length).padStart(8)} | ${f(percentile(sorted, 50))} | ${f(percentile(sorted, 99))} | ${f(sorted[sorted.length - 1] ?? NaN)}`;
}

/** 20 ms Opus packets of a tone, made once by ffmpeg; talkers cycle through them. */
function opusPackets(): Buffer[] {
  const dir = mkdtempSync(join(tmpdir(), 'ivm-bench-'));
  try {
    return lavfiPackets(dir, 'sine=frequency=300:duration=4', '24k');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function adminPost(server: OwnServer, path: string, body: unknown): Promise<any> {
  const res = await fetch(`${server.ports.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Subscribers through the admin API, without passwords (scrypt at 30 ms a hash would make the
 * setup a minute of CPU); their sessions are written straight into the server's SQLite store,
 * which is what a sign-in would have written.
 */
async function subscribers(
  server: OwnServer,
  count: number,
): Promise<Array<{ id: string; token: string; address: string }>> {
  const out: Array<{ id: string; token: string; address: string }> = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++;
        const created = await adminPost(server, '/api/v1/subscribers', {
          name: `User ${i}`,
          addresses: [`mailto:u${i}@bench.test`],
        });
        out[i] = {
          id: created.id,
          token: randomBytes(24).toString('base64url'),
          address: `ivm:u${i}@bench.test`,
        };
      }
    }),
  );
  const db = new BetterSqlite3(join(server.dataDir, 'switchboard.db'));
  db.pragma('busy_timeout = 10000');
  const insert = db.prepare(
    'INSERT INTO sessions (token_hash, subscriber_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
  );
  const now = new Date().toISOString();
  const expires = new Date(Date.now() + 3600_000).toISOString();
  db.transaction(() => {
    for (const s of out)
      insert.run(createHash('sha256').update(s.token).digest('hex'), s.id, now, expires);
  })();
  db.close();
  return out;
}

/** CPU seconds a process has used (user + system), from /proc; clock ticks are 1/100 s on Linux. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** prom-client's event-loop monitor interval (its default), and ours. */
const SERVER_LOOP_RESOLUTION_MS = 10;
const CLIENT_LOOP_RESOLUTION_MS = 1;

/** The server's event-loop delay since the last scrape (prom-client resets it on each). */
async function serverLoopDelay(server: OwnServer): Promise<{ p99: number; max: number }> {
  const res = await fetch(`${server.ports.url}/metrics`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  const text = await res.text();
  const seconds = (name: string) =>
    Number(
      new RegExp(`^switchboard_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1],
    );
  // The histogram holds the monitor's whole timer interval (prom-client's 10 ms): what is
  // over it is the lateness.
  const late = (ms: number) => Math.max(0, ms - SERVER_LOOP_RESOLUTION_MS);
  return { p99: late(seconds('p99') * 1000), max: late(seconds('max') * 1000) };
}

/**
 * Runs a scenario and says how much CPU the server and this client took, how late each one's
 * event loop ran (p99/max: where a latency comes from), and the machine's load.
 */
async function measured<T>(
  server: OwnServer,
  run: () => Promise<T>,
): Promise<{ result: T; note: string }> {
  await serverLoopDelay(server);
  const clientDelay = monitorEventLoopDelay({ resolution: CLIENT_LOOP_RESOLUTION_MS });
  clientDelay.enable();
  const serverBefore = cpuSeconds(server.child.pid!);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const seconds = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  clientDelay.disable();
  const serverCpu = (cpuSeconds(server.child.pid!) - serverBefore) / seconds;
  const clientCpu = (client.user + client.system) / 1e6 / seconds;
  const serverDelay = await serverLoopDelay(server);
  const ms = (ns: number) => Math.max(0, ns / 1e6 - CLIENT_LOOP_RESOLUTION_MS).toFixed(1);
  return {
    result,
    note:
      `server ${(serverCpu * 100).toFixed(0)}% of a core (loop late p99 ${serverDelay.p99.toFixed(1)}, max ${serverDelay.max.toFixed(1)} ms), ` +
      `client ${(clientCpu * 100).toFixed(0)}% (loop late p99 ${ms(clientDelay.percentile(99))}, max ${ms(clientDelay.max)} ms), load ${loadavg()[0]!.toFixed(1)}`,
  };
}

let requestId = 0;
function request(peer: Peer, frame: Record<string, unknown>): Promise<any> {
  const id = (frame.id as string | undefined) ?? `r${++requestId}`;
  return new Promise((resolve) => {
    peer.waiting.set(id, resolve);
    peer.socket.send(JSON.stringify({ ...frame, id }));
  });
}

async function connectPeer(
  server: OwnServer,
  index: number,
  token: string,
  address: string,
): Promise<Peer> {
  const socket = new WebSocket(
    `${server.ports.url.replace(/^http/, 'ws')}/api/v1/ivm?token=${token}`,
  );
  const peer: Peer = { index, address, socket, waiting: new Map(), onFrame: null, onAudio: null };
  socket.on('message', (data, isBinary) => {
    if (isBinary) return peer.onAudio?.(data as Buffer, performance.now());
    const frame = JSON.parse((data as Buffer).toString('utf8'));
    const waiter = frame.id ? peer.waiting.get(frame.id) : undefined;
    if (waiter && frame.action !== 'post') {
      peer.waiting.delete(frame.id);
      waiter(frame);
    }
    peer.onFrame?.(frame);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const session = await request(peer, { action: 'connect', object: { device: `bench-${index}` } });
  if (session.action !== 'connect') throw new Error(`connect refused: ${JSON.stringify(session)}`);
  // Anyone may send to anyone: the benchmark measures delivery, not contact requests.
  await request(peer, { action: 'control', object: { command: 'settings', allowAnyone: true } });
  return peer;
}

/**
 * Talkers stream live for WARMUP + SECONDS to `fanout` listeners each; gives the latencies of
 * the frames sent after the warm-up (the first seconds of a burst of new streams measure the
 * JIT and fresh connections, not the steady state), and p99 by second when asked.
 */
async function liveScenario(
  peers: Peer[],
  fanout: number,
  packets: Buffer[],
): Promise<{
  latencies: number[];
  sent: number;
  expected: number;
  missing: number;
  bySecond: number[][];
}> {
  const talkers = peers.slice(0, TALKERS);
  const listeners = peers.slice(TALKERS);
  const sentAt = new Map<number, Float64Array>();
  const warmupFrames = WARMUP * 50;
  const frames = warmupFrames + SECONDS * 50;
  const latencies: number[] = [];
  const bySecond: number[][] = Array.from({ length: WARMUP + SECONDS }, () => []);
  let received = 0;
  // The server's stream id of each live post, per listener, to its talker.
  for (const l of listeners) {
    const streams = new Map<number, number>();
    l.onFrame = (f) => {
      if (f.action === 'post' && f.object.live)
        streams.set(f.object.stream, Number(String(f.id).split('-')[2]));
    };
    l.onAudio = (data, at) => {
      const talker = streams.get(data.readUInt32BE(0));
      if (talker === undefined) return;
      const seq = data.readUInt32BE(4);
      const latency = at - sentAt.get(talker)![seq]!;
      bySecond[Math.floor(seq / 50)]?.push(latency);
      if (seq < warmupFrames) return;
      latencies.push(latency);
      received++;
    };
  }
  const scenario = `f${fanout}-${Date.now()}`;
  await Promise.all(
    talkers.map(async (t, i) => {
      const to = Array.from(
        { length: fanout },
        (_, k) => listeners[(i * fanout + k) % listeners.length]!.address,
      );
      sentAt.set(i, new Float64Array(frames));
      const ack = await request(t, {
        action: 'post',
        id: `${scenario}-${i}`,
        destination: to,
        object: { stream: 1, mode: 'intercom' },
      });
      if (ack.object?.state !== 'open') throw new Error(`post refused: ${JSON.stringify(ack)}`);
    }),
  );
  await paceTalkers(talkers.length, frames, (i, seq) => {
    const packet = packets[seq % packets.length]!;
    const frame = Buffer.allocUnsafe(8 + packet.length);
    frame.writeUInt32BE(1, 0);
    frame.writeUInt32BE(seq, 4);
    packet.copy(frame, 8);
    sentAt.get(i)![seq] = performance.now();
    talkers[i]!.socket.send(frame);
  });
  await new Promise((r) => setTimeout(r, 1000));
  await Promise.all(
    talkers.map((t) => request(t, { action: 'control', object: { command: 'cancel', stream: 1 } })),
  );
  for (const l of listeners) {
    l.onFrame = null;
    l.onAudio = null;
  }
  const expected = talkers.length * (frames - warmupFrames) * fanout;
  return {
    latencies,
    sent: talkers.length * frames,
    expected,
    missing: expected - received,
    bySecond,
  };
}

/**
 * Recorded messages (2 s, sent fast), each to one online listener: end → stored post. Every
 * `intervalMs` a new one, or (`oneAtATime`) each after the last was received.
 */
async function recordedScenario(
  peers: Peer[],
  packets: Buffer[],
  count: number,
  intervalMs: number,
  oneAtATime: boolean,
): Promise<number[]> {
  const latencies: number[] = [];
  // Pairs take turns when there are more messages than pairs (one listener waits for one at a
  // time, so a pair's next message waits for its last).
  const pairs = Math.min(TALKERS, peers.length - TALKERS);
  const jobs: Array<Promise<void>> = [];
  const pairBusy: Array<Promise<void>> = Array.from({ length: pairs }, () => Promise.resolve());
  for (let i = 0; i < count; i++) {
    const talker = peers[i % pairs]!;
    const listener = peers[TALKERS + (i % pairs)]!;
    const id = `rec-${i}-${Date.now()}`;
    const pair = i % pairs;
    const after = pairBusy[pair]!;
    const job = (async () => {
      // A talker sends a 2 s recording at most every 2 s (as a person would; the server's
      // audio rate limit says the same).
      await after;
      const ack = await request(talker, {
        action: 'post',
        id,
        destination: listener.address,
        object: { stream: 2, mode: 'record' },
      });
      if (ack.object?.state !== 'open') throw new Error(`post refused: ${JSON.stringify(ack)}`);
      for (let seq = 0; seq < 100; seq++) {
        const packet = packets[seq % packets.length]!;
        const frame = Buffer.allocUnsafe(8 + packet.length);
        frame.writeUInt32BE(2, 0);
        frame.writeUInt32BE(seq, 4);
        packet.copy(frame, 8);
        talker.socket.send(frame);
      }
      const got = new Promise<number>((resolve) => {
        listener.onFrame = (f) => {
          if (f.action === 'post' && f.object.live === false && f.object.message.clientId === id)
            resolve(performance.now());
        };
      });
      const endedAt = performance.now();
      talker.socket.send(
        JSON.stringify({
          action: 'control',
          id: `end-${id}`,
          object: { command: 'end', stream: 2 },
        }),
      );
      latencies.push((await got) - endedAt);
      listener.onFrame = null;
    })();
    pairBusy[pair] = job.then(() => new Promise((r) => setTimeout(r, 2000)));
    jobs.push(job);
    if (oneAtATime) await job;
    else await new Promise((r) => setTimeout(r, intervalMs));
  }
  await Promise.all(jobs);
  return latencies;
}

async function main() {
  const packets = opusPackets();
  const pin = args.pin === 'true' && availableParallelism() >= 2;
  if (pin) execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
  const server = await startOwnServer({
    ...(pin ? { cpu: '1' } : {}),
    prefix: 'switchboard-bench-ivm-',
    logToFile: true,
    profileDir: args.profile ?? null,
    env: {
      SWITCHBOARD_DOMAINS: 'bench.test',
      SWITCHBOARD_LOG_LEVEL: 'warn',
      SWITCHBOARD_IVM_ENHANCE: args.enhance,
      SWITCHBOARD_WELCOME_NOTICES: 'false',
    },
  });
  try {
    const setupStarted = performance.now();
    const people = await subscribers(server, CLIENTS);
    const peers: Peer[] = [];
    for (let i = 0; i < CLIENTS; i += 50)
      peers.push(
        ...(await Promise.all(
          people.slice(i, i + 50).map((p, k) => connectPeer(server, i + k, p.token, p.address)),
        )),
      );
    console.log(`# Voice messenger benchmark`);
    console.log('');
    console.log(
      `${CLIENTS} clients connected (setup ${((performance.now() - setupStarted) / 1000).toFixed(1)} s); ${TALKERS} talkers at 50 frames/s for ${SECONDS} s after ${WARMUP} s of warm-up; treatment ${args.enhance === 'true' ? 'on' : 'off'}; ${pin ? 'server on core 1, this client on core 0' : 'not pinned to cores'}.`,
    );
    console.log('');
    console.log(
      '| scenario | frames or messages | p50 ms | p99 ms | max ms | not received | CPU and load |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const fanout of [1, 10]) {
      const { result: r, note } = await measured(server, () =>
        liveScenario(peers, fanout, packets),
      );
      console.log(
        `| live, 1 talker → ${fanout} listener${fanout > 1 ? 's' : ''} | ${summary(r.latencies)} | ${r.missing} of ${r.expected} | ${note} |`,
      );
      if (args.timeline === 'true')
        console.log(`|  by second (p50/p99 ms) | ${timeline(r.bySecond)} | | | | | |`);
      if (args.floor !== 'true') continue;
      // The same traffic over bare TCP between two Node processes: what this machine allows.
      const floor = await floorScenario(
        fanout,
        TALKERS,
        CLIENTS - TALKERS,
        SECONDS,
        WARMUP,
        pin ? '1' : undefined,
      );
      console.log(
        `| floor: bare TCP, 1 talker → ${fanout}, one write per listener | ${summary(floor.latencies)} | ${floor.expected - floor.latencies.length} of ${floor.expected} | relay ${(floor.relayCpu * 100).toFixed(0)}% of a core |`,
      );
    }
    const rounds = [
      { label: 'one at a time', count: Math.min(50, RECORDED), intervalMs: 0, oneAtATime: true },
      { label: '10 a second', count: RECORDED, intervalMs: 100, oneAtATime: false },
    ];
    // Three messages first, not counted: the first ones through a path pay for its JIT.
    if (RECORDED > 0) await recordedScenario(peers, packets, 3, 0, true);
    for (const round of rounds.filter((r) => r.count > 0)) {
      const { result: recorded, note } = await measured(server, () =>
        recordedScenario(peers, packets, round.count, round.intervalMs, round.oneAtATime),
      );
      console.log(
        `| recorded (2 s), ${round.label}, end → stored post at the online recipient | ${summary(recorded)} | 0 | ${note} |`,
      );
    }
    console.log('');
    console.log(
      'Frames not received were dropped by the server for listeners whose socket had fallen behind.',
    );
    for (const p of peers) p.socket.terminate();
  } finally {
    await server.stop();
  }
}

await main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
