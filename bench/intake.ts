/**
 * Intake benchmark through the HTTP API: how many messages per second POST /api/v1/messages
 * accepts, and how long each takes, when every 201 means "committed and fsynced".
 *
 *   npm run bench -- [--seconds 10] [--warmup 2] [--scenarios 1k-1,1k-32,100k-1,100k-32]
 *                    [--url http://host:port --token <admin token>]
 *
 * Without --url it starts its own server on a throwaway data folder and removes it afterwards.
 * Only Node built-ins: the client must not be the bottleneck, nor hide one.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { startOwnServer } from './own-server.js';

interface Target {
  url: URL;
  adminToken: string;
}

interface Answer {
  status: number;
  body: string;
}

interface Scenario {
  name: string;
  kib: number;
  clients: number;
}

interface Result {
  scenario: Scenario;
  seconds: number;
  ok: number;
  errors: number;
  firstError: string | null;
  latencies: Float64Array;
  commits: CommitStats | null;
}

// ---------------------------------------------------------------------------------------------
// HTTP: node:http with a keep-alive agent, so each client keeps one connection open and the
// figures measure the server, not TCP handshakes.

/** One agent per purpose; https for an https:// --url. */
function agentFor(target: Target, options: http.AgentOptions = {}): http.Agent {
  return target.url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

function request(
  target: Target,
  agent: http.Agent,
  method: string,
  path: string,
  body: Buffer | null,
  token: string | null,
): Promise<Answer> {
  const transport = target.url.protocol === 'https:' ? https : http;
  const headers: http.OutgoingHttpHeaders = {};
  if (body) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = body.length;
  }
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = transport.request(new URL(path, target.url), { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

async function api<T>(
  target: Target,
  path: string,
  payload: unknown,
  token: string | null,
  expect = 201,
): Promise<T> {
  const agent = agentFor(target);
  try {
    const body = Buffer.from(JSON.stringify(payload));
    const answer = await request(target, agent, 'POST', path, body, token);
    if (answer.status !== expect)
      throw new Error(`POST ${path} answered ${answer.status}: ${answer.body}`);
    return JSON.parse(answer.body) as T;
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Message bodies. Every message differs (a unique prefix), so blob deduplication never turns a
// write into a no-op; the expensive parts are built once, so the client stays cheap.

const WORDS = (
  'voicemail fax email message inbox folder quota meeting tomorrow call back invoice report ' +
  'please confirm thanks regards urgent schedule number office mobile travel delivery order ' +
  'account update review project draft attached summary weekly status customer support team'
).split(' ');

function wordText(chars: number): string {
  let text = '';
  while (text.length < chars) text += WORDS[Math.floor(Math.random() * WORDS.length)] + ' ';
  return text.slice(0, chars);
}

/** Numbers the messages of the whole run, so no two bodies are the same. */
let sequence = 0;

/** Builds the JSON body of message number n. */
type BodyMaker = (n: number) => Buffer;

function bodyMaker(kib: number, to: string, runId: string): BodyMaker {
  if (kib === 1) {
    // 1 KiB of words: stored sealed in the database row and indexed for search.
    const text = wordText(1024);
    return (n) =>
      Buffer.from(
        JSON.stringify({
          to: [to],
          subject: 'bench 1k',
          text: `${runId} ${String(n).padStart(12, '0')} ${text}`.slice(0, 1024),
        }),
      );
  }
  // N KiB of random bytes as an attachment: large enough (over the 8 KiB inline limit) to go to
  // an encrypted blob file, synced before the commit. The first 12 bytes (a multiple of 3, so
  // their base64 is separate) carry a run nonce and a counter; the rest is encoded once.
  const random = randomBytes(kib * 1024);
  const nonce = randomBytes(6);
  const head = Buffer.from(
    `{"to":${JSON.stringify([to])},"subject":"bench ${kib}k","attachments":[{"filename":"a.bin",` +
      `"contentType":"application/octet-stream","content":"`,
  );
  const tail = Buffer.from(random.subarray(12).toString('base64') + '"}]}');
  return (n) => {
    const prefix = Buffer.alloc(12);
    nonce.copy(prefix, 0);
    prefix.writeUIntBE(n, 6, 6);
    return Buffer.concat([head, Buffer.from(prefix.toString('base64')), tail]);
  };
}

// ---------------------------------------------------------------------------------------------
// Group commit figures from the server's Prometheus metrics, to show how many messages each
// fsync served. Optional: a server without /metrics only loses this line.

interface CommitStats {
  commits: number;
  messages: number;
  seconds: number;
}

async function commitStats(target: Target): Promise<CommitStats | null> {
  const agent = agentFor(target);
  try {
    const answer = await request(target, agent, 'GET', '/metrics', null, null);
    if (answer.status !== 200) return null;
    const value = (name: string) => {
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(answer.body);
      return m ? Number(m[1]) : NaN;
    };
    const stats = {
      commits: value('switchboard_intake_commit_batch_size_count'),
      messages: value('switchboard_intake_commit_batch_size_sum'),
      seconds: value('switchboard_intake_commit_seconds_sum'),
    };
    return Object.values(stats).some(Number.isNaN) ? null : stats;
  } catch {
    return null;
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// One scenario: `clients` loops, each sending one POST after the other on its own keep-alive
// connection. Only answers that arrive inside the measured window count, so the warm-up (JIT,
// page cache, connection set-up) and the requests still in flight at the end are left out.

async function runScenario(
  target: Target,
  token: string,
  to: string,
  runId: string,
  scenario: Scenario,
  warmupSeconds: number,
  seconds: number,
): Promise<Result> {
  const agent = agentFor(target, { keepAlive: true, maxSockets: scenario.clients });
  const makeBody = bodyMaker(scenario.kib, to, runId);
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let firstError: string | null = null;
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let stopping = false;

  const client = async () => {
    while (!stopping) {
      const body = makeBody(sequence++);
      const started = performance.now();
      let failure: string | null = null;
      try {
        const answer = await request(target, agent, 'POST', '/api/v1/messages', body, token);
        if (answer.status < 200 || answer.status > 299)
          failure = `${answer.status} ${answer.body.slice(0, 500)}`;
      } catch (err) {
        failure = err instanceof Error ? err.message : String(err);
      }
      const finished = performance.now();
      if (finished < windowStart || finished > windowEnd) continue;
      if (failure === null) {
        ok++;
        latencies.push(finished - started);
      } else {
        errors++;
        firstError ??= failure;
      }
    }
  };

  const clients = Array.from({ length: scenario.clients }, client);
  await sleep(warmupSeconds * 1000);
  const before = await commitStats(target);
  windowStart = performance.now();
  await sleep(seconds * 1000);
  windowEnd = performance.now();
  stopping = true;
  const after = await commitStats(target);
  await Promise.all(clients);
  agent.destroy();

  return {
    scenario,
    seconds: (windowEnd - windowStart) / 1000,
    ok,
    errors,
    firstError,
    latencies: Float64Array.from(latencies).sort(),
    commits:
      before && after
        ? {
            commits: after.commits - before.commits,
            messages: after.messages - before.messages,
            seconds: after.seconds - before.seconds,
          }
        : null,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(r: Result) {
  return {
    rate: r.ok / r.seconds,
    p50: percentile(r.latencies, 50),
    p99: percentile(r.latencies, 99),
    max: r.latencies.at(-1) ?? NaN,
  };
}

// ---------------------------------------------------------------------------------------------
// A throwaway server: its own data folder, ephemeral port, stopped and removed at the end.

interface OwnServer {
  target: Target;
  stop(): Promise<void>;
}

async function ownServer(): Promise<OwnServer> {
  const own = await startOwnServer({
    prefix: 'switchboard-bench-',
    env: { SWITCHBOARD_LOG_LEVEL: 'warn' },
  });
  return { target: { url: new URL(own.ports.url), adminToken: own.adminToken }, stop: own.stop };
}

// ---------------------------------------------------------------------------------------------

const USAGE = `Usage: npm run bench -- [options]
  --seconds N      measured duration of each scenario (default 10)
  --warmup N       warm-up before each scenario, not measured (default 2)
  --scenarios L    comma-separated <size>k-<clients> (default 1k-1,1k-32,100k-1,100k-32);
                   1k is a text body, larger sizes a random-bytes attachment
  --url U          use this running server instead of starting one (e.g. on PostgreSQL)
  --token T        its admin token (required with --url)`;

function parseScenario(spec: string): Scenario {
  const m = /^(\d+)k-(\d+)$/.exec(spec.trim());
  if (!m) throw new Error(`bad scenario "${spec}"; expected e.g. 1k-32`);
  const scenario = { name: spec.trim(), kib: Number(m[1]), clients: Number(m[2]) };
  if (scenario.kib < 1 || scenario.clients < 1) throw new Error(`bad scenario "${spec}"`);
  return scenario;
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number`);
  return n;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      scenarios: { type: 'string', default: '1k-1,1k-32,100k-1,100k-32' },
      url: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const seconds = positive(values.seconds, 'seconds');
  const warmup = Number(values.warmup);
  if (!(warmup >= 0)) throw new Error('--warmup must be 0 or more');
  const scenarios = values.scenarios.split(',').map(parseScenario);
  if (values.url && !values.token) throw new Error('--url needs --token (the admin token)');

  let own: OwnServer | null = null;
  // Ctrl-C: still stop our server and remove its data folder.
  const stopOwn = () => void (own?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  process.once('SIGINT', stopOwn);
  try {
    let target: Target;
    if (values.url) target = { url: new URL(values.url), adminToken: values.token! };
    else {
      own = await ownServer();
      target = own.target;
    }
    console.log(`server ${target.url.origin}${own ? ' (throwaway, SQLite)' : ''}`);

    // Fresh addresses each run, so a reused server never sees a conflict. The quotas are huge
    // rather than null: the API currently stores `"quotaBytes": null` as 0 (see README).
    const unlimited = { quotaBytes: 2 ** 50, quotaMessages: 2 ** 31 - 1 };
    const runId = randomBytes(4).toString('hex');
    const digits = String(parseInt(runId, 16) % 10_000_000).padStart(7, '0');
    const password = `bench password ${runId} long enough`;
    const sender = `mailto:bench-sender-${runId}@localhost`;
    const recipient = `tel:+1555${digits}`;
    for (const [name, address] of [
      ['Bench Sender', sender],
      ['Bench Recipient', recipient],
    ] as const)
      await api(
        target,
        '/api/v1/subscribers',
        { name, addresses: [address], password, ...unlimited },
        target.adminToken,
      );
    const { token } = await api<{ token: string }>(
      target,
      '/api/v1/sessions',
      { address: sender, password },
      null,
    );

    const results: Result[] = [];
    for (const scenario of scenarios) {
      const r = await runScenario(target, token, recipient, runId, scenario, warmup, seconds);
      results.push(r);
      const s = summary(r);
      const commits = r.commits
        ? `  [${r.commits.commits} commits, ${fmt(r.commits.messages / r.commits.commits)} msg/commit, ` +
          `${fmt((r.commits.seconds / r.commits.commits) * 1000, 2)} ms/commit]`
        : '';
      console.log(
        `${scenario.name.padEnd(9)} ${fmt(s.rate).padStart(8)} msg/s  p50 ${fmt(s.p50, 2)} ms  ` +
          `p99 ${fmt(s.p99, 2)} ms  max ${fmt(s.max, 2)} ms  errors ${r.errors}  (n=${r.ok})${commits}`,
      );
      if (r.firstError) console.log(`  first error: ${r.firstError}`);
    }

    console.log(
      `\n| Scenario | Body | Clients | Messages/s | p50 ms | p99 ms | max ms | Errors |\n` +
        `|---|---|--:|--:|--:|--:|--:|--:|`,
    );
    for (const r of results) {
      const s = summary(r);
      const body = r.scenario.kib === 1 ? '1 KiB text' : `${r.scenario.kib} KiB attachment`;
      console.log(
        `| ${r.scenario.name} | ${body} | ${r.scenario.clients} | ${fmt(s.rate, 0)} | ` +
          `${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.max)} | ${r.errors} |`,
      );
    }
  } finally {
    process.off('SIGINT', stopOwn);
    await own?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
