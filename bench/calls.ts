/**
 * Concurrent-calls benchmark: Switchboard pinned to one core (`taskset -c 0`), this process (the
 * load generator) pinned to the other, N calls to subscribers' numbers that each stream S seconds
 * of G.711 (PCMU) RTP into voicemail, then hang up. The server's log says, per call, how many
 * packets it received and how many sequence gaps (lost) and late packets it saw; /proc says how
 * much CPU and memory it used.
 *
 *   npx tsc -p tsconfig.json && npm run bench:calls -- [--calls 300] [--seconds 30] [--ramp 10]
 *   npm run bench:calls -- --find [--from 100] [--step 100] [--max 1000]
 *
 * The server runs on a throwaway data folder with SQLite and loopback ports; it is stopped and the
 * folder removed at the end, also on failure or Ctrl-C. Progress goes to stderr, results to stdout.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { g711 } from '../src/channels/sip/media/g711.js';
import { BenchServer, DOMAIN, metric, type ProcSample } from './calls-server.js';
import { CallGenerator, slipPercentile, type GeneratorResult } from './calls-generator.js';
import { fmt, report, type RoundResult } from './calls-report.js';

const run = promisify(execFile);

interface Options {
  calls: number;
  seconds: number;
  ramp: number;
  mailboxes: number;
  byeDelayMs: number;
  serverCpu: string | null;
  serverProf: string | null;
}

// ---------------------------------------------------------------------------------------------
// The caller's audio: speech-like (a voiced buzz whose pitch wanders, in syllables and pauses),
// so the G.711 payloads vary as a talker's do. Ten seconds, played in a loop.

function speechLikeFrames(): Buffer[] {
  const rate = 8000;
  const pcm = new Int16Array(rate * 10);
  let phase = 0;
  for (let i = 0; i < pcm.length; i++) {
    const t = i / rate;
    const f0 = 120 + 30 * Math.sin(2 * Math.PI * 0.3 * t) + 15 * Math.sin(2 * Math.PI * 2.1 * t);
    phase += (2 * Math.PI * f0) / rate;
    // Syllables at about 4 a second, with a pause of 0.6 s every 2.5 s.
    const syllable = Math.max(0, Math.sin(2 * Math.PI * 4 * t)) ** 0.5;
    const pause = t % 2.5 > 1.9 ? 0 : 1;
    let voiced = 0;
    for (let h = 1; h <= 12; h++) voiced += Math.sin(h * phase) / h;
    const noise = (Math.random() - 0.5) * 0.05;
    pcm[i] = Math.round(6000 * (syllable * pause * voiced * 0.6 + noise));
  }
  const codec = g711('PCMU');
  const frames: Buffer[] = [];
  for (let i = 0; i < pcm.length; i += 160) frames.push(codec.encode(pcm.subarray(i, i + 160)));
  return frames;
}

// ---------------------------------------------------------------------------------------------

/** UDP datagrams the kernel dropped because a socket's receive buffer was full (system-wide). */
async function udpReceiveDrops(): Promise<number> {
  const text = await readFile('/proc/net/snmp', 'utf8').catch(() => '');
  const [names, values] = text.split('\n').filter((l) => l.startsWith('Udp: '));
  if (!names || !values) return NaN;
  const i = names.split(' ').indexOf('RcvbufErrors');
  return Number(values.split(' ')[i]);
}

/** Busy and total clock ticks of each core, from /proc/stat (busy: not idle, not iowait). */
async function coreTicks(): Promise<Array<{ busy: number; total: number; steal: number }>> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => /^cpu\d+ /.test(l))
    .map((l) => {
      const v = l.split(/\s+/).slice(1, 9).map(Number);
      const total = v.reduce((a, b) => a + b, 0);
      return { busy: total - v[3]! - v[4]!, total, steal: v[7]! };
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : NaN;
}

/** CPU share of one core between the last sample at or before `from` and the first at or after `to`. */
function cpuBetween(
  samples: ProcSample[],
  from: number,
  to: number,
  field: 'cpuSeconds' | 'sysSeconds' | 'waitSeconds' = 'cpuSeconds',
): number {
  const a = samples.filter((s) => s.at <= from).at(-1) ?? samples[0];
  const b = samples.find((s) => s.at >= to) ?? samples.at(-1);
  if (!a || !b || b.at <= a.at) return NaN;
  return (b[field] - a[field]) / ((b.at - a.at) / 1000);
}

/** The largest share of one second between consecutive samples. */
function peakShare(samples: ProcSample[], field: 'cpuSeconds' | 'waitSeconds'): number {
  let peak = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    peak = Math.max(peak, (b[field] - a[field]) / ((b.at - a.at) / 1000));
  }
  return peak;
}

async function round(o: Options, frames: Buffer[], server: BenchServer): Promise<RoundResult> {
  const targets = server.numbers.map((n) => `sip:${n}@${DOMAIN}`);
  const progress = (line: string) => console.error(line);

  // A first call makes the spoken default greeting (espeak-ng) and warms the SIP path up; it
  // hangs up during the greeting, so the server discards it and stores nothing.
  const warm = new CallGenerator({ ...common(), calls: 1, seconds: 1, rampSeconds: 0 });
  await warm.prepare();
  const warmed = await warm.run();
  const warmId = warmed.calls[0]!.callId;
  if (warmed.calls[0]!.status !== 200)
    throw new Error(`the warm-up call failed: ${warmed.calls[0]!.error}`);
  await until(async () => (await server.readLog(), server.ends.has(warmId)), 60_000, 'warm-up');

  // The server's own background work with no call up, for comparison.
  const idleFrom = server.sample();
  await sleep(3000);
  const idleTo = server.sample();
  const serverCpuIdle =
    (idleTo.cpuSeconds - idleFrom.cpuSeconds) / ((idleTo.at - idleFrom.at) / 1000);

  const generator = new CallGenerator({ ...common(), calls: o.calls });
  await generator.prepare();
  const drops = await udpReceiveDrops();
  const coresBefore = await coreTicks();
  await server.metrics(); // resets the event-loop delay figures
  const samples: ProcSample[] = [server.sample()];
  const lag: Array<{ p99: number; max: number }> = [];
  const sampler = setInterval(() => {
    try {
      samples.push(server.sample());
    } catch {
      // The server has gone; the round fails when it looks for the calls' ends.
    }
  }, 1000);
  // Every 5 s: the server's event-loop delay since the last scrape, and its CPU meanwhile.
  const scraper = setInterval(async () => {
    const text = await server.metrics();
    const l = {
      p99: metric(text, 'switchboard_nodejs_eventloop_lag_p99_seconds') * 1000,
      max: metric(text, 'switchboard_nodejs_eventloop_lag_max_seconds') * 1000,
    };
    lag.push(l);
    const now = performance.now();
    progress(
      `  server: CPU ${fmt(cpuBetween(samples, now - 5000, now) * 100)} % of a core, ` +
        `waited for it ${fmt(cpuBetween(samples, now - 5000, now, 'waitSeconds') * 100)} %, ` +
        `RSS ${fmt((samples.at(-1)?.rssKiB ?? NaN) / 1024)} MiB, ` +
        `event-loop delay p99 ${fmt(l.p99)} ms, max ${fmt(l.max)} ms`,
    );
  }, 5000);
  progress(`${o.calls} calls, ${o.seconds} s of audio each, started over ${o.ramp} s:`);
  let result: GeneratorResult;
  try {
    result = await generator.run();
  } finally {
    clearInterval(scraper);
  }
  const answeredIds = new Set(result.calls.filter((c) => c.status === 200).map((c) => c.callId));
  // Every answered call ends in one log line once its recording is committed (or discarded).
  await until(
    async () => {
      await server.readLog();
      return [...answeredIds].every((id) => server.ends.has(id));
    },
    120_000,
    'the server to commit every recording',
  ).catch((err: Error) => console.error(err.message));
  clearInterval(sampler);
  samples.push(server.sample());
  const rssPeakMiB = (await server.peakRssKiB()) / 1024;
  const udpDrops = (await udpReceiveDrops()) - drops;
  const coresAfter = await coreTicks();
  const cores = coresAfter.map((c, i) => {
    const b = coresBefore[i] ?? { busy: 0, total: 0, steal: 0 };
    const total = c.total - b.total;
    return { busy: (c.busy - b.busy) / total, steal: (c.steal - b.steal) / total };
  });
  const storedApi = await server.storedMessages();

  const answered = result.calls.filter((c) => answeredIds.has(c.callId));
  const ends = answered.map((c) => server.ends.get(c.callId)).filter((e) => e !== undefined);
  const sum = (f: (x: (typeof ends)[number]) => number) => ends.reduce((a, e) => a + f(e), 0);
  const sent = answered.reduce((a, c) => a + c.sent, 0);
  const received = sum((e) => e.received);
  const lost = sum((e) => e.lost);
  const late = sum((e) => e.late);
  const short = answered.map((c) => {
    const e = server.ends.get(c.callId);
    return e ? c.sent - e.received - e.lost : 0;
  });
  const hangups = answered
    .filter((c) => c.ended === 'bye' && c.byeAt !== null)
    .map((c) => c.doneAt! - c.byeAt!);
  const jitters = ends.map((e) => e.jitterMs).filter((j) => j !== null);
  // While every call was up: from the last answer to the first hang-up.
  const fullFrom = Math.max(...answered.map((c) => c.answeredAt!));
  const fullTo = Math.min(...answered.map((c) => c.answeredAt! + o.seconds * 1000));
  const full = samples.filter((s) => s.at >= fullFrom && s.at <= fullTo);
  const stored = ends.filter((e) => e.msg === 'voicemail stored').length;
  const r: RoundResult = {
    calls: o.calls,
    placed: result.calls.filter((c) => c.invitedAt > 0).length,
    answered: answered.length,
    failed: result.calls.filter((c) => c.ended === 'failed').length,
    stored,
    storedApi,
    discarded: ends.filter((e) => e.msg === 'voicemail too short, discarded').length,
    sent,
    received,
    shortCalls: short.filter((n) => n > 0).length,
    shortMax: Math.max(0, ...short),
    lost,
    late,
    jitterMaxMs: jitters.length ? Math.max(...jitters) : null,
    heard: answered.reduce((a, c) => a + c.heard, 0),
    okRepeats: result.calls.reduce((a, c) => a + c.okRepeats, 0),
    udpDrops,
    setupP50: median(answered.map((c) => c.answeredAt! - c.invitedAt)),
    setupMax: Math.max(...answered.map((c) => c.answeredAt! - c.invitedAt)),
    hangupP50: median(hangups),
    hangupMax: Math.max(...hangups),
    slipP50: slipPercentile(result.slip, 50),
    slipP99: slipPercentile(result.slip, 99),
    slipMax: slipPercentile(result.slip, 100),
    clientCpu: result.cpuSeconds / ((result.finishedAt - result.startedAt) / 1000),
    serverCpuRun: cpuBetween(samples, result.startedAt, performance.now()),
    serverCpuFull: fullTo > fullFrom ? cpuBetween(samples, fullFrom, fullTo) : NaN,
    serverSysFull: fullTo > fullFrom ? cpuBetween(samples, fullFrom, fullTo, 'sysSeconds') : NaN,
    serverCpuPeak: peakShare(samples, 'cpuSeconds'),
    serverCpuIdle,
    serverWait: cpuBetween(samples, result.startedAt, performance.now(), 'waitSeconds'),
    serverWaitPeak: peakShare(samples, 'waitSeconds'),
    fullSeconds: Math.max(0, (fullTo - fullFrom) / 1000),
    rssFullMiB: full.length ? Math.max(...full.map((s) => s.rssKiB)) / 1024 : NaN,
    rssPeakMiB,
    lagP99Ms: Math.max(...lag.map((l) => l.p99)),
    lagMaxMs: Math.max(...lag.map((l) => l.max)),
    recordedSeconds: stored ? sum((e) => e.durationMs) / 1000 / ends.length : 0,
    cores,
    otherOnServerCore: null,
    clean: false,
  };
  const serverCore = o.serverCpu !== null && /^\d+$/.test(o.serverCpu) ? Number(o.serverCpu) : -1;
  if (cores[serverCore]) r.otherOnServerCore = Math.max(0, cores[serverCore].busy - r.serverCpuRun);
  r.clean =
    r.answered === o.calls &&
    r.stored === o.calls &&
    r.storedApi === o.calls &&
    r.received === r.sent &&
    r.lost === 0;
  return r;

  function common() {
    return {
      sipPort: server.sipPort,
      targets,
      seconds: o.seconds,
      rampSeconds: o.ramp,
      byeDelayMs: o.byeDelayMs,
      frames,
      progress,
    };
  }
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${ms / 1000} s`);
    await sleep(250);
  }
}

/**
 * With SIP port 0 the server binds UDP to a free port and then TCP to the same number, which
 * another process may hold (EADDRINUSE) on a busy machine: then it exits, and another try takes
 * another port.
 */
async function startWithRetries(options: Parameters<typeof BenchServer.start>[0]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await BenchServer.start(options);
    } catch (err) {
      if (attempt >= 3 || !/exited/.test((err as Error).message)) throw err;
      console.error(`the server did not start (${(err as Error).message}); trying again`);
    }
  }
}

const USAGE = `Usage: npm run bench:calls -- [options]
  --calls N          concurrent calls (default 300)
  --seconds S        audio each call streams, from its answer (default 30; above about 6.5, or
                     greeting, beep and the 1 s minimum leave nothing to store)
  --ramp S           the calls start evenly over S seconds (default 10)
  --mailboxes M      subscribers the calls are spread over (default 10)
  --bye-delay MS     silence between the last RTP packet and the BYE (default 0)
  --find             rounds of --from, --from + --step, ... calls (a new server each) until one
                     is not clean
  --from N, --step N, --max N
                     for --find (default 100, 100 and 1000)
  --server-cpu L     taskset CPU list for the server (default 0; "none" to leave it unpinned)
  --client-cpu L     taskset CPU list for this generator (default 1; "none")
  --server-prof DIR  write a V8 CPU profile of the server into DIR when it stops
  --json FILE        also write the results as JSON`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '300' },
      seconds: { type: 'string', default: '30' },
      ramp: { type: 'string', default: '10' },
      mailboxes: { type: 'string', default: '10' },
      'bye-delay': { type: 'string', default: '0' },
      find: { type: 'boolean', default: false },
      from: { type: 'string', default: '100' },
      step: { type: 'string', default: '100' },
      max: { type: 'string', default: '1000' },
      'server-cpu': { type: 'string', default: '0' },
      'client-cpu': { type: 'string', default: '1' },
      'server-prof': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE);
  const num = (name: keyof typeof values, min: number) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
    return n;
  };
  const base: Options = {
    calls: num('calls', 1),
    seconds: num('seconds', 1),
    ramp: num('ramp', 0),
    mailboxes: num('mailboxes', 1),
    byeDelayMs: num('bye-delay', 0),
    serverCpu: values['server-cpu'] === 'none' ? null : values['server-cpu']!,
    serverProf: values['server-prof'] ?? null,
  };
  const clientCpu = values['client-cpu'] === 'none' ? null : values['client-cpu']!;
  if (cpus().length < 2 && (base.serverCpu || clientCpu))
    console.error('note: fewer than two cores; server and generator share one');
  if (clientCpu) await run('taskset', ['-a', '-cp', clientCpu, String(process.pid)]);
  const load = loadavg()[0]!;
  if (load > 0.5)
    console.error(`note: load average ${load.toFixed(2)} on ${cpus().length} cores before the run`);

  const frames = speechLikeFrames();
  const sizes: number[] = [];
  if (values.find)
    for (let n = num('from', 1); n <= num('max', 1); n += num('step', 1)) sizes.push(n);
  else sizes.push(base.calls);
  const results: RoundResult[] = [];
  let server: BenchServer | null = null;
  // Ctrl-C: the server (also one still starting) is stopped and its folder removed.
  const onSigint = () =>
    void Promise.all([...BenchServer.running].map((s) => s.stop())).finally(() =>
      process.exit(130),
    );
  process.once('SIGINT', onSigint);
  try {
    for (const calls of sizes) {
      const o = { ...base, calls };
      server = await startWithRetries({
        cpu: o.serverCpu,
        mailboxes: o.mailboxes,
        // Never the length limit: the caller hangs up.
        maxSeconds: o.seconds + 120,
        profileDir: o.serverProf,
      });
      console.error(
        `server pid ${server.pid} (CPU ${o.serverCpu ?? 'any'}), SIP on 127.0.0.1:${server.sipPort}; ` +
          `generator pid ${process.pid} (CPU ${clientCpu ?? 'any'})`,
      );
      try {
        const r = await round(o, frames, server);
        results.push(r);
        console.log(report(r) + '\n');
        if (!r.clean) break;
      } finally {
        await server.stop();
        server = null;
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    await server?.stop();
  }
  if (values.find) {
    const best = results.filter((r) => r.clean).at(-1);
    console.log(
      best
        ? `largest clean round: ${best.calls} calls (server CPU ${fmt(best.serverCpuFull * 100)} % of a core with all up)`
        : 'no round was clean',
    );
  }
  if (values.json)
    await writeFile(
      values.json,
      JSON.stringify(
        { date: new Date().toISOString(), options: base, loadAverageBefore: load, results },
        null,
        2,
      ) + '\n',
    );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
