/**
 * Delivery benchmark, end to end: messages posted to POST /api/v1/messages for an outside
 * number go through the delivery queue to a webhook resource, here a loopback receiver in this
 * process. It measures how many deliveries per second arrive and how long each takes from the
 * 201 to the receiver having the webhook.
 *
 *   npm run bench:delivery -- [--seconds 10] [--warmup 2] [--producers 8]
 *                             [--scenarios 1r-8ch,1r-32ch,10r-32ch] [--rate 0]
 *                             [--receiver-delay-ms 0] [--timeout 120] [--poll-ms 200]
 *                             [--server-prof <dir>]
 *
 * It always starts its own server on a throwaway data folder (the receiver must be on the same
 * machine) and removes it afterwards. Only Node built-ins: the client must not be the
 * bottleneck, nor hide one.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
  /** Outside recipients per POST: each one is a delivery. */
  recipients: number;
  /** The webhook resource's channels: how many POSTs the server makes to it at once. */
  channels: number;
}

interface Verification {
  /** Deliveries of this scenario the API lists as S (sent). */
  sent: number;
  /** The rest, by the status the API gives them, with the first error seen. */
  other: Map<string, number>;
  firstError: string | null;
}

interface Result {
  scenario: Scenario;
  /** Messages answered 201 (each is `recipients` deliveries). */
  posted: number;
  postSeconds: number;
  errors: number;
  firstError: string | null;
  /** Delivery ids the 201s returned. */
  expected: number;
  /** Of those, how many reached the receiver at least once. */
  received: number;
  /** Webhooks beyond the first for the same idempotency key. */
  duplicates: number;
  /** From the first POST sent to the last webhook received. */
  spanSeconds: number;
  /**
   * Deliveries whose webhook carried an attempt number above 1: claimed more than once before
   * they were sent (the receiver never failed, so each extra claim was a trip back to the queue).
   */
  reclaimed: number;
  maxAttempt: number;
  /** Whether every delivery arrived before --timeout. */
  drained: boolean;
  /** From the 201 being read to the webhook being received, in ms, sorted. */
  latencies: Float64Array;
  /** From the POST being sent to the webhook being received, in ms, sorted. */
  fromSend: Float64Array;
  verification: Verification;
  /** The server from the start of posting to the last delivery arriving. */
  server: ServerStats;
}

// ---------------------------------------------------------------------------------------------
// HTTP: node:http with a keep-alive agent, so each producer keeps one connection open and the
// figures measure the server, not TCP handshakes.

function request(
  target: Target,
  agent: http.Agent,
  method: string,
  path: string,
  body: Buffer | null,
  token: string | null,
): Promise<Answer> {
  const headers: http.OutgoingHttpHeaders = {};
  if (body) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = body.length;
  }
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, target.url), { method, agent, headers }, (res) => {
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

/** One JSON request on its own connection; throws unless the answer has status `expect`. */
async function api<T>(
  target: Target,
  method: string,
  path: string,
  payload: unknown,
  token: string | null,
  expect: number,
): Promise<T> {
  const agent = new http.Agent();
  try {
    const body = payload === undefined ? null : Buffer.from(JSON.stringify(payload));
    const answer = await request(target, agent, method, path, body, token);
    if (answer.status !== expect)
      throw new Error(`${method} ${path} answered ${answer.status}: ${answer.body}`);
    return JSON.parse(answer.body) as T;
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The webhook receiver: a node:http server on a free loopback port that answers 200 at once (or
// after --receiver-delay-ms) and notes when each idempotency key first arrived. It checks the
// HMAC signature of every body, so a benchmark run also shows that what arrives is intact.

class Receiver {
  /** First arrival (performance.now()) of each idempotency key. */
  readonly arrivals = new Map<string, number>();
  /** How many times each key arrived. */
  readonly counts = new Map<string, number>();
  /** The delivery's attempt number (claims so far) in the first webhook of each key. */
  readonly attempts = new Map<string, number>();
  requests = 0;
  missingKey = 0;
  badSignature = 0;
  lastArrival = 0;
  private readonly server: http.Server;

  constructor(
    private readonly secret: string,
    private readonly delayMs: number,
  ) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = performance.now();
        this.requests++;
        const key = req.headers['idempotency-key'];
        if (typeof key !== 'string' || key === '' || req.method !== 'POST') this.missingKey++;
        else {
          const body = Buffer.concat(chunks);
          const signature = req.headers['x-switchboard-signature'];
          const expected = `sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`;
          if (signature !== expected) this.badSignature++;
          const n = (this.counts.get(key) ?? 0) + 1;
          this.counts.set(key, n);
          if (n === 1) {
            this.arrivals.set(key, at);
            try {
              const parsed = JSON.parse(body.toString('utf8')) as {
                delivery?: { attempt?: number };
              };
              this.attempts.set(key, Number(parsed.delivery?.attempt ?? 0));
            } catch {
              this.attempts.set(key, 0);
            }
          }
          this.lastArrival = at;
        }
        const answer = () => {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
          res.end('ok');
        };
        if (this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
    // Keep the server's connections open between webhooks for longer than any pause here.
    this.server.keepAliveTimeout = 60_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/hook`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------
// Prometheus figures: finished deliveries by status (to wait until the last ones are settled),
// the queue depth by status, and how busy the server was (CPU, event-loop delay, group commits).
// Optional: a server without /metrics only loses these checks.

async function scrape(target: Target): Promise<string> {
  const agent = new http.Agent();
  try {
    const answer = await request(target, agent, 'GET', '/metrics', null, null);
    return answer.status === 200 ? answer.body : '';
  } catch {
    return '';
  } finally {
    agent.destroy();
  }
}

function labelled(text: string, pattern: RegExp): Map<string, number> {
  return new Map([...text.matchAll(pattern)].map((m) => [m[1]!, Number(m[2])]));
}

function value(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

const FINISHED = /^switchboard_deliveries_finished_total\{status="(\w+)",kind="message"\} (\S+)$/gm;
const DEPTH = /^switchboard_queue_depth\{status="(\w+)"\} (\S+)$/gm;

const finishedSent = (text: string) => labelled(text, FINISHED).get('S') ?? 0;

/** What the server did between two scrapes (the event-loop figures reset at every scrape). */
interface ServerStats {
  /** CPU time over wall time: 1 is one core busy. */
  cpu: number;
  lagP99Ms: number;
  lagMaxMs: number;
  commits: number;
  messagesPerCommit: number;
  msPerCommit: number;
}

function serverStats(before: string, after: string, wallSeconds: number): ServerStats {
  const delta = (name: string) => value(after, name) - value(before, name);
  const commits = delta('switchboard_intake_commit_batch_size_count');
  return {
    cpu: delta('switchboard_process_cpu_seconds_total') / wallSeconds,
    lagP99Ms: value(after, 'switchboard_nodejs_eventloop_lag_p99_seconds') * 1000,
    lagMaxMs: value(after, 'switchboard_nodejs_eventloop_lag_max_seconds') * 1000,
    commits,
    messagesPerCommit: delta('switchboard_intake_commit_batch_size_sum') / commits,
    msPerCommit: (delta('switchboard_intake_commit_seconds_sum') / commits) * 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// One scenario: `producers` loops, each sending one POST after the other on its own keep-alive
// connection for `seconds`, every message to `recipients` outside numbers never used before.
// Then it waits until every delivery the 201s named has reached the receiver, and checks their
// final status through the API.

/** Numbers the recipients of the whole run, so no two deliveries go to the same number. */
let sequence = 0;
/** Every delivery id a 201 returned in this run (warm-ups included). */
const known = new Set<string>();

interface Producing {
  /** Delivery id → when its 201 was read. */
  answered: Map<string, number>;
  /** Delivery id → when its POST was sent. */
  sent: Map<string, number>;
  posted: number;
  errors: number;
  firstError: string | null;
  firstPost: number;
  lastAnswer: number;
}

async function produce(
  target: Target,
  token: string,
  scenario: Scenario,
  producers: number,
  seconds: number,
  rate: number,
): Promise<Producing> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: producers });
  const out: Producing = {
    answered: new Map(),
    sent: new Map(),
    posted: 0,
    errors: 0,
    firstError: null,
    firstPost: Infinity,
    lastAnswer: 0,
  };
  const text = 'Delivery benchmark: please call back about the invoice, thanks. '.repeat(2);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  // With --rate, message n may not be sent before started + n / rate seconds (all producers
  // together); without it every producer sends as fast as its answers come back.
  let ticket = 0;

  const producer = async () => {
    for (;;) {
      const n = ticket++;
      if (rate > 0) {
        const due = started + (n / rate) * 1000;
        if (due >= deadline) return;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
      if (performance.now() >= deadline) return;
      const to = Array.from(
        { length: scenario.recipients },
        () => `tel:+4930${String(sequence++).padStart(9, '0')}`,
      );
      const body = Buffer.from(
        JSON.stringify({ to, subject: `bench ${scenario.name} ${n}`, text: `${n} ${text}` }),
      );
      const sentAt = performance.now();
      out.firstPost = Math.min(out.firstPost, sentAt);
      let failure: string | null = null;
      try {
        const answer = await request(target, agent, 'POST', '/api/v1/messages', body, token);
        const answeredAt = performance.now();
        if (answer.status !== 201) failure = `${answer.status} ${answer.body.slice(0, 500)}`;
        else {
          const { deliveries } = JSON.parse(answer.body) as { deliveries: Array<{ id: string }> };
          if (deliveries.length !== scenario.recipients)
            failure = `201 with ${deliveries.length} deliveries for ${scenario.recipients} recipients`;
          for (const d of deliveries) {
            known.add(d.id);
            out.answered.set(d.id, answeredAt);
            out.sent.set(d.id, sentAt);
          }
          out.posted++;
          out.lastAnswer = answeredAt;
        }
      } catch (err) {
        failure = err instanceof Error ? err.message : String(err);
      }
      if (failure !== null) {
        out.errors++;
        out.firstError ??= failure;
      }
    }
  };

  await Promise.all(Array.from({ length: producers }, producer));
  agent.destroy();
  return out;
}

/** Waits until every id has arrived, or `timeoutSeconds` pass without a new arrival. */
async function drain(receiver: Receiver, ids: Iterable<string>, timeoutSeconds: number) {
  const missing = new Set(ids);
  let lastProgress = performance.now();
  let lastReport = lastProgress;
  for (;;) {
    const before = missing.size;
    for (const id of missing) if (receiver.arrivals.has(id)) missing.delete(id);
    const now = performance.now();
    if (missing.size === 0) return true;
    if (missing.size < before) lastProgress = now;
    if (now - lastProgress > timeoutSeconds * 1000) return false;
    if (now - lastReport > 5000) {
      console.error(`  waiting for ${missing.size} deliveries to arrive`);
      lastReport = now;
    }
    await sleep(50);
  }
}

/**
 * The final status of the scenario's deliveries, from GET /api/v1/deliveries?status=S (paged
 * from `cursor`, the last id an earlier scenario saw), after /metrics says all have finished.
 * A few of those not listed as sent are fetched one by one to show their status and error.
 */
async function verify(
  target: Target,
  ids: Set<string>,
  finishedBefore: number,
  cursor: { after: string | null },
): Promise<Verification> {
  const deadline = performance.now() + 15_000;
  while (performance.now() < deadline) {
    const text = await scrape(target);
    if (!text || finishedSent(text) - finishedBefore >= ids.size) break;
    await sleep(100);
  }
  let sent = 0;
  const seen = new Set<string>();
  for (;;) {
    const query = new URLSearchParams({ status: 'S', kind: 'message', limit: '1000' });
    if (cursor.after) query.set('after', cursor.after);
    const page = await api<{ deliveries: Array<{ id: string }>; next: string | null }>(
      target,
      'GET',
      `/api/v1/deliveries?${query}`,
      undefined,
      target.adminToken,
      200,
    );
    for (const d of page.deliveries)
      if (ids.has(d.id) && !seen.has(d.id)) {
        seen.add(d.id);
        sent++;
      }
    if (page.deliveries.length > 0) cursor.after = page.deliveries.at(-1)!.id;
    if (!page.next) break;
  }
  const other = new Map<string, number>();
  let firstError: string | null = null;
  let looked = 0;
  for (const id of ids) {
    if (seen.has(id)) continue;
    if (looked++ >= 20) {
      other.set('?', (other.get('?') ?? 0) + 1);
      continue;
    }
    const d = await api<{ status: string; lastError: string | null }>(
      target,
      'GET',
      `/api/v1/deliveries/${id}`,
      undefined,
      target.adminToken,
      200,
    );
    other.set(d.status, (other.get(d.status) ?? 0) + 1);
    firstError ??= d.lastError ? `${id} ${d.status}: ${d.lastError}` : null;
  }
  return { sent, other, firstError };
}

async function runScenario(
  target: Target,
  token: string,
  receiver: Receiver,
  resourceId: string,
  scenario: Scenario,
  options: { producers: number; warmup: number; seconds: number; rate: number; timeout: number },
  cursor: { after: string | null },
): Promise<Result> {
  await api(
    target,
    'PATCH',
    `/api/v1/resources/${resourceId}`,
    { channels: scenario.channels },
    target.adminToken,
    200,
  );
  if (options.warmup > 0) {
    // Warm-up (JIT, page cache, the server's connections to the receiver): its deliveries are
    // drained before the measured run starts, and not counted.
    const before = finishedSent(await scrape(target));
    const warm = await produce(
      target,
      token,
      scenario,
      options.producers,
      options.warmup,
      options.rate,
    );
    await drain(receiver, warm.answered.keys(), options.timeout);
    await verify(target, new Set(warm.answered.keys()), before, cursor);
  }

  const startText = await scrape(target);
  const startedAt = performance.now();
  const finishedBefore = finishedSent(startText);
  const p = await produce(
    target,
    token,
    scenario,
    options.producers,
    options.seconds,
    options.rate,
  );
  const drained = await drain(receiver, p.answered.keys(), options.timeout);
  const server = serverStats(
    startText,
    await scrape(target),
    (performance.now() - startedAt) / 1000,
  );

  const latencies: number[] = [];
  const fromSend: number[] = [];
  let received = 0;
  let duplicates = 0;
  let lastArrival = 0;
  let reclaimed = 0;
  let maxAttempt = 0;
  for (const [id, answeredAt] of p.answered) {
    const arrived = receiver.arrivals.get(id);
    duplicates += Math.max(0, (receiver.counts.get(id) ?? 0) - 1);
    if (arrived === undefined) continue;
    received++;
    const attempt = receiver.attempts.get(id) ?? 0;
    if (attempt > 1) reclaimed++;
    maxAttempt = Math.max(maxAttempt, attempt);
    lastArrival = Math.max(lastArrival, arrived);
    latencies.push(arrived - answeredAt);
    fromSend.push(arrived - p.sent.get(id)!);
  }
  const ids = new Set(p.answered.keys());
  const verification = await verify(target, ids, finishedBefore, cursor);
  return {
    scenario,
    posted: p.posted,
    postSeconds: (p.lastAnswer - p.firstPost) / 1000,
    errors: p.errors,
    firstError: p.firstError,
    expected: ids.size,
    received,
    duplicates,
    reclaimed,
    maxAttempt,
    spanSeconds: (lastArrival - p.firstPost) / 1000,
    drained,
    latencies: Float64Array.from(latencies).sort(),
    fromSend: Float64Array.from(fromSend).sort(),
    verification,
    server,
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
    rate: r.received / r.spanSeconds,
    intake: r.posted / r.postSeconds,
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

async function ownServer(pollMs: number, profileDir: string | null): Promise<OwnServer> {
  const own = await startOwnServer({
    prefix: 'switchboard-bench-',
    // --server-prof: a V8 CPU profile of the server, written when it exits.
    profileDir,
    env: { SWITCHBOARD_LOG_LEVEL: 'warn', SWITCHBOARD_DELIVERY_POLL_MS: String(pollMs) },
  });
  return { target: { url: new URL(own.ports.url), adminToken: own.adminToken }, stop: own.stop };
}

// ---------------------------------------------------------------------------------------------

const USAGE = `Usage: npm run bench:delivery -- [options]
  --seconds N            how long producers post in each scenario (default 10)
  --warmup N             warm-up posting before each scenario, drained, not counted (default 2)
  --producers N          concurrent POST loops (default 8)
  --scenarios L          comma-separated <recipients>r-<channels>ch
                         (default 1r-8ch,1r-32ch,10r-32ch)
  --rate N               at most N messages/s from all producers together (default 0: no limit)
  --receiver-delay-ms N  the receiver answers each webhook after N ms (default 0)
  --timeout N            give up waiting for deliveries after N s without one (default 120)
  --poll-ms N            the server's SWITCHBOARD_DELIVERY_POLL_MS (default 200)
  --server-prof DIR      write a CPU profile of the server (.cpuprofile) into DIR`;

function parseScenario(spec: string): Scenario {
  const m = /^(\d+)r-(\d+)ch$/.exec(spec.trim());
  if (!m) throw new Error(`bad scenario "${spec}"; expected e.g. 10r-32ch`);
  const scenario = { name: spec.trim(), recipients: Number(m[1]), channels: Number(m[2]) };
  if (scenario.recipients < 1 || scenario.recipients > 100)
    throw new Error(`bad scenario "${spec}": 1 to 100 recipients`);
  if (scenario.channels < 1 || scenario.channels > 1024)
    throw new Error(`bad scenario "${spec}": 1 to 1024 channels`);
  return scenario;
}

function atLeast(value: string, name: string, min: number): number {
  const n = Number(value);
  if (!(n >= min)) throw new Error(`--${name} must be a number of at least ${min}`);
  return n;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      producers: { type: 'string', default: '8' },
      scenarios: { type: 'string', default: '1r-8ch,1r-32ch,10r-32ch' },
      rate: { type: 'string', default: '0' },
      'receiver-delay-ms': { type: 'string', default: '0' },
      timeout: { type: 'string', default: '120' },
      'poll-ms': { type: 'string', default: '200' },
      'server-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const options = {
    seconds: atLeast(values.seconds, 'seconds', 0.1),
    warmup: atLeast(values.warmup, 'warmup', 0),
    producers: Math.floor(atLeast(values.producers, 'producers', 1)),
    rate: atLeast(values.rate, 'rate', 0),
    timeout: atLeast(values.timeout, 'timeout', 1),
  };
  const delayMs = atLeast(values['receiver-delay-ms'], 'receiver-delay-ms', 0);
  const pollMs = Math.floor(atLeast(values['poll-ms'], 'poll-ms', 1));
  const scenarios = values.scenarios.split(',').map(parseScenario);

  const secret = randomBytes(24).toString('hex');
  const receiver = new Receiver(secret, delayMs);
  let own: OwnServer | null = null;
  // Ctrl-C: still stop our server and remove its data folder.
  const stopOwn = () => void (own?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  process.once('SIGINT', stopOwn);
  try {
    const hook = await receiver.listen();
    own = await ownServer(pollMs, values['server-prof'] ?? null);
    const target = own.target;
    console.log(
      `server ${target.url.origin} (throwaway, SQLite, delivery poll ${pollMs} ms), receiver ` +
        `${hook}${delayMs > 0 ? ` answering after ${delayMs} ms` : ''}, ${options.producers} ` +
        `producers${options.rate > 0 ? ` at ${options.rate} msg/s` : ''}`,
    );

    const password = `bench password ${randomBytes(4).toString('hex')} long enough`;
    const address = 'tel:+15550001';
    await api(
      target,
      'POST',
      '/api/v1/subscribers',
      { name: 'Sender', addresses: [address], password, quotaBytes: null },
      target.adminToken,
      201,
    );
    const { token } = await api<{ token: string }>(
      target,
      'POST',
      '/api/v1/sessions',
      { address, password },
      null,
      201,
    );
    const resource = await api<{ id: string }>(
      target,
      'POST',
      '/api/v1/resources',
      {
        name: 'bench-hook',
        type: 'webhook',
        config: { url: hook },
        secret,
        rates: [{ prefix: '*', price: 0.001 }],
        currency: 'EUR',
        channels: scenarios[0]!.channels,
      },
      target.adminToken,
      201,
    );

    const cursor: { after: string | null } = { after: null };
    const results: Result[] = [];
    for (const scenario of scenarios) {
      const r = await runScenario(target, token, receiver, resource.id, scenario, options, cursor);
      results.push(r);
      const s = summary(r);
      const v = r.verification;
      const other = [...v.other].map(([status, n]) => `${status} ${n}`).join(', ');
      console.log(
        `${scenario.name.padEnd(9)} ${fmt(s.rate).padStart(7)} deliveries/s  ` +
          `p50 ${fmt(s.p50, 2)} ms  p99 ${fmt(s.p99, 2)} ms  max ${fmt(s.max, 2)} ms  ` +
          `(posted ${r.posted} messages at ${fmt(s.intake)}/s, errors ${r.errors}; ` +
          `received ${r.received}/${r.expected}, duplicates ${r.duplicates}, ` +
          `claimed more than once ${r.reclaimed} (max attempt ${r.maxAttempt}); ` +
          `API: ${v.sent} S${other ? `, ${other}` : ''}; ` +
          `from POST sent p50 ${fmt(percentile(r.fromSend, 50), 2)} ms)`,
      );
      const sv = r.server;
      console.log(
        `  server: CPU ${fmt(sv.cpu * 100, 0)} % of a core, event-loop delay p99 ${fmt(sv.lagP99Ms)} ms ` +
          `max ${fmt(sv.lagMaxMs)} ms, ${sv.commits} intake commits (messages and receipts) ` +
          `(${fmt(sv.messagesPerCommit)} msg, ${fmt(sv.msPerCommit, 2)} ms each)`,
      );
      if (!r.drained)
        console.log(`  ${r.expected - r.received} deliveries did not arrive within the timeout`);
      if (r.firstError) console.log(`  first POST error: ${r.firstError}`);
      if (v.firstError) console.log(`  first delivery error: ${v.firstError}`);
    }
    const depth = labelled(await scrape(target), DEPTH);
    const left = [...depth].filter(([status, n]) => status !== 'S' && n > 0);
    if (left.length > 0)
      console.log(`queue not empty at the end: ${left.map(([s, n]) => `${s} ${n}`).join(', ')}`);
    // Over the whole run, warm-ups included: late repeats and webhooks nobody asked for.
    let repeats = 0;
    let unknown = 0;
    for (const [key, n] of receiver.counts) {
      repeats += n - 1;
      if (!known.has(key)) unknown++;
    }
    console.log(
      `receiver: ${receiver.requests} webhooks for ${receiver.counts.size} keys ` +
        `(${known.size} deliveries posted, warm-ups included): ${repeats} repeats, ` +
        `${unknown} unknown keys, ${receiver.missingKey} without an idempotency key, ` +
        `${receiver.badSignature} with a bad signature`,
    );

    console.log(
      `\n| Scenario | Recipients/msg | Channels | Messages | Posted msg/s | Deliveries | Received | ` +
        `Duplicates | Deliveries/s | p50 ms | p99 ms | max ms | Sent (API) |\n` +
        `|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|`,
    );
    for (const r of results) {
      const s = summary(r);
      console.log(
        `| ${r.scenario.name} | ${r.scenario.recipients} | ${r.scenario.channels} | ${r.posted} | ` +
          `${fmt(s.intake, 0)} | ${r.expected} | ${r.received} | ${r.duplicates} | ${fmt(s.rate, 0)} | ` +
          `${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.max)} | ${r.verification.sent} |`,
      );
    }
  } finally {
    process.off('SIGINT', stopOwn);
    await own?.stop();
    await receiver.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
