/**
 * SMTP ingest benchmark: how many messages per second Switchboard's SMTP port accepts when every
 * 250 means "committed and fsynced", driven by Postfix's `smtp-source`, and the same load against
 * a private Postfix instance on this machine (mail discarded after it is queued), with the ratio.
 *
 *   npm run build && npm run bench:smtp -- [--scenarios 1k-1,1k-32,100k-1,100k-32] [--scale 1]
 *                                          [--warmup 200] [--reconnect] [--json results.json]
 *
 * Everything runs on loopback, on throwaway folders that are removed at the end. Postfix (the
 * Debian package, which brings smtp-source) is installed by bench/ensure-postfix.sh if missing;
 * the system's own Postfix is never started or touched.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { cpus, loadavg, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { startOwnServer } from './own-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SMTP_SOURCE = '/usr/sbin/smtp-source';
const POSTFIX = '/usr/sbin/postfix';
const DOMAIN = 'bench.test';
const RCPT = `bench@${DOMAIN}`;
const SENDER = 'sender@source.test';
const run = promisify(execFile);

interface Scenario {
  name: string;
  /** Payload bytes per message (smtp-source -l). */
  bytes: number;
  sessions: number;
  /** Messages in the measured run (smtp-source -m). */
  messages: number;
}

interface Measured {
  messages: number;
  seconds: number;
  rate: number;
  /** Switchboard's group commits during the measured run, from its /metrics. */
  commits?: CommitStats;
}

interface CommitStats {
  commits: number;
  messages: number;
  seconds: number;
}

/** A server under test: where its SMTP port is, and how to count what it has accepted. */
interface Target {
  name: string;
  port: number;
  /** Messages stored (or queued) so far; the benchmark waits until it matches what got a 250. */
  accepted(): Promise<number>;
  /** Counters of the group commit so far, where the server has them. */
  commitStats?(): Promise<CommitStats | null>;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// smtp-source

/**
 * One smtp-source run: `messages` mails of `bytes` payload over `sessions` parallel sessions.
 * With -d (the default here) each session keeps its connection for all its mails, like the
 * keep-alive clients of bench/intake.ts; --reconnect drops -d, so every mail is a new
 * connection with its own banner, EHLO and QUIT. Without -A smtp-source stops at the first reply
 * that is not positive, so exit 0 means every mail got its 250.
 */
async function smtpSource(
  port: number,
  bytes: number,
  sessions: number,
  messages: number,
  reconnect: boolean,
): Promise<number> {
  const args = [
    ...(reconnect ? [] : ['-d']),
    '-l',
    String(bytes),
    '-m',
    String(messages),
    '-s',
    String(sessions),
    '-f',
    SENDER,
    '-t',
    RCPT,
    '-M',
    'source.test',
    `127.0.0.1:${port}`,
  ];
  const started = performance.now();
  const child = spawn(SMTP_SOURCE, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0)
    throw new Error(`smtp-source ${args.join(' ')} exited with ${code}: ${stderr.trim()}`);
  return seconds;
}

/** Waits until `target` has accepted `expected` messages in all; fails if it does not. */
async function waitForCount(target: Target, expected: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let seen = -1;
  while (Date.now() < deadline) {
    seen = await target.accepted();
    if (seen === expected) return;
    if (seen > expected) break;
    await sleep(100);
  }
  throw new Error(`${target.name}: ${seen} messages accepted, expected ${expected}`);
}

async function measure(
  target: Target,
  scenario: Scenario,
  warmup: number,
  reconnect: boolean,
  sent: { count: number },
): Promise<Measured> {
  if (warmup > 0) {
    await smtpSource(target.port, scenario.bytes, scenario.sessions, warmup, reconnect);
    sent.count += warmup;
  }
  await waitForCount(target, sent.count);
  const before = await target.commitStats?.();
  const seconds = await smtpSource(
    target.port,
    scenario.bytes,
    scenario.sessions,
    scenario.messages,
    reconnect,
  );
  sent.count += scenario.messages;
  // Every 250 must stand for a stored message: count them.
  await waitForCount(target, sent.count);
  const after = await target.commitStats?.();
  return {
    messages: scenario.messages,
    seconds,
    rate: scenario.messages / seconds,
    ...(before && after
      ? {
          commits: {
            commits: after.commits - before.commits,
            messages: after.messages - before.messages,
            seconds: after.seconds - before.seconds,
          },
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Switchboard: the compiled server on a throwaway data folder, one subscriber for the mail.

async function startSwitchboard(cpuProfDir?: string): Promise<Target> {
  const { ports, adminToken, stop } = await startOwnServer({
    prefix: 'switchboard-bench-smtp-',
    // --cpu-prof: a V8 CPU profile of the server, written when it exits (after SIGTERM).
    profileDir: cpuProfDir,
    env: {
      SWITCHBOARD_DATABASE_URL: '',
      SWITCHBOARD_DOMAINS: DOMAIN,
      SWITCHBOARD_LOG_LEVEL: 'warn',
    },
  });
  try {
    const api = async <T>(method: string, path: string, body: unknown, token: string) => {
      const res = await fetch(new URL(`/api/v1${path}`, ports.url), {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
      return JSON.parse(text) as T;
    };
    const password = `bench password ${randomBytes(6).toString('hex')}`;
    // Huge quotas rather than null: the API stores `"quotaBytes": null` as 0.
    await api(
      'POST',
      '/subscribers',
      {
        name: 'SMTP Bench',
        addresses: [`mailto:${RCPT}`],
        password,
        quotaBytes: 2 ** 50,
        quotaMessages: 2 ** 31 - 1,
      },
      adminToken,
    );
    const { token } = await api<{ token: string }>(
      'POST',
      '/sessions',
      { address: `mailto:${RCPT}`, password },
      '',
    );
    return {
      name: 'Switchboard',
      port: ports.smtp,
      async accepted() {
        const { folders } = await api<{ folders: Array<{ folder: string; total: number }> }>(
          'GET',
          '/folders',
          undefined,
          token,
        );
        return folders.find((f) => f.folder === 'inbox')?.total ?? 0;
      },
      async commitStats() {
        const res = await fetch(new URL('/metrics', ports.url));
        if (!res.ok) return null;
        const text = await res.text();
        const value = (name: string) => {
          const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
          return m ? Number(m[1]) : NaN;
        };
        const stats = {
          commits: value('switchboard_intake_commit_batch_size_count'),
          messages: value('switchboard_intake_commit_batch_size_sum'),
          seconds: value('switchboard_intake_commit_seconds_sum'),
        };
        return Object.values(stats).some(Number.isNaN) ? null : stats;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Postfix: a private instance with its own config, queue and data directories under one temp
// folder, listening on 127.0.0.1:<free port> only. Mail for bench.test is accepted (no recipient
// check), queued as usual (the queue file is fsynced before the 250) and then handed to the
// discard transport, so nothing is delivered and nothing bounces. Logging goes to a file in its
// folder through postlogd, as a production Postfix logs every mail (there to syslog).

function mainCf(base: string): string {
  return `# Private benchmark instance, written by bench/smtp.ts
compatibility_level = 3.6
config_directory = ${base}/etc
queue_directory = ${base}/queue
data_directory = ${base}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.${DOMAIN}
mydomain = ${DOMAIN}
myorigin = $myhostname
mydestination = ${DOMAIN}
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
local_transport = discard:bench
default_transport = discard:bench
relay_transport = discard:bench
maillog_file = ${base}/data/maillog
maillog_file_prefixes = ${base}
biff = no
smtputf8_enable = no
`;
}

function masterCf(port: number): string {
  // No chroot (its folders are outside the usual /var/spool/postfix), and only the services a
  // mail from SMTP to the discard transport goes through.
  return `# service type private unpriv chroot wakeup maxproc command
127.0.0.1:${port} inet n - n - - smtpd
cleanup   unix  n  -  n  -    0  cleanup
qmgr      unix  n  -  n  300  1  qmgr
rewrite   unix  -  -  n  -    -  trivial-rewrite
bounce    unix  -  -  n  -    0  bounce
defer     unix  -  -  n  -    0  bounce
trace     unix  -  -  n  -    0  bounce
verify    unix  -  -  n  -    1  verify
proxymap  unix  -  -  n  -    -  proxymap
showq     unix  n  -  n  -    -  showq
error     unix  -  -  n  -    -  error
retry     unix  -  -  n  -    -  error
discard   unix  -  -  n  -    -  discard
anvil     unix  -  -  n  -    1  anvil
scache    unix  -  -  n  -    1  scache
postlog   unix-dgram n - n -  1  postlogd
`;
}

async function startPostfix(): Promise<Target> {
  const port = await freePort();
  const base = await mkdtemp(join(tmpdir(), 'postfix-bench-'));
  // Postfix's daemons run as the postfix user and must reach their folders.
  await chmod(base, 0o755);
  const config = join(base, 'etc');
  const data = join(base, 'data');
  await mkdir(config);
  await mkdir(join(base, 'queue'));
  await mkdir(data);
  const { uid } = userInfo({ encoding: 'utf8' });
  const postfixUser = await run('id', ['-u', 'postfix']).then((r) => Number(r.stdout.trim()));
  if (uid === 0) await chown(data, postfixUser, -1);
  await writeFile(join(config, 'main.cf'), mainCf(base));
  await writeFile(join(config, 'master.cf'), masterCf(port));
  const maillog = join(data, 'maillog');
  const postfix = (command: string) =>
    run(POSTFIX, ['-c', config, command]).catch(async (err: Error) => {
      const log = await readFile(maillog, 'utf8').catch(() => '');
      throw new Error(
        `postfix ${command} failed: ${err.message}\n${log.split('\n').slice(-10).join('\n')}`,
      );
    });
  const stop = async () => {
    const pid = await readFile(join(data, 'master.lock'), 'utf8')
      .then((s) => Number(s.trim()))
      .catch(() => 0);
    if (pid > 0) {
      await postfix('stop').catch((err: Error) => console.error(err.message));
      // `postfix stop` signals the master; wait until it and its children are gone.
      const deadline = Date.now() + 15_000;
      while (alive(pid) && Date.now() < deadline) await sleep(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await rm(base, { recursive: true, force: true });
  };
  try {
    await postfix('check'); // also creates the queue's subfolders
    await postfix('start');
    await waitForListen(port);
    return {
      name: 'Postfix',
      port,
      // Each queued mail has one "message-id=" line from cleanup, logged before the 250.
      async accepted() {
        const log = await readFile(maillog, 'utf8').catch(() => '');
        return log.match(/postfix\/cleanup\[\d+\]: \w+: message-id=/g)?.length ?? 0;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForListen(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------

const USAGE = `Usage: npm run bench:smtp -- [options]
  --scenarios L   comma-separated <size>k-<sessions> (default 1k-1,1k-32,100k-1,100k-32)
  --scale F       multiply the default message counts (default 1)
  --warmup N      messages sent before each measured run, not timed (default 200)
  --reconnect     a new connection for every mail (smtp-source without -d)
  --only S        switchboard or postfix: measure one of them
  --json FILE     also write the results as JSON
  --cpu-prof DIR  write a V8 CPU profile of the Switchboard server into DIR`;

/** Messages per measured run: a few seconds each for both servers on this 2-core machine. */
const DEFAULT_MESSAGES: Record<string, number> = {
  '1k-1': 3000,
  '1k-32': 10000,
  '100k-1': 2000,
  '100k-32': 5000,
};

function parseScenario(spec: string, scale: number): Scenario {
  const name = spec.trim();
  const m = /^(\d+)k-(\d+)$/.exec(name);
  if (!m) throw new Error(`bad scenario "${spec}"; expected e.g. 1k-32`);
  const kib = Number(m[1]);
  const sessions = Number(m[2]);
  if (kib < 1 || sessions < 1) throw new Error(`bad scenario "${spec}"`);
  const base = DEFAULT_MESSAGES[name] ?? Math.max(1000, Math.round(20000 / kib));
  return {
    name,
    bytes: kib * 1024,
    sessions,
    messages: Math.max(sessions, Math.round(base * scale)),
  };
}

const fmt = (n: number | undefined, digits = 0) =>
  n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '-';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenarios: { type: 'string', default: '1k-1,1k-32,100k-1,100k-32' },
      scale: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '200' },
      reconnect: { type: 'boolean', default: false },
      only: { type: 'string' },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const scale = Number(values.scale);
  if (!(scale > 0)) throw new Error('--scale must be a positive number');
  const warmup = Number(values.warmup);
  if (!(warmup >= 0 && Number.isInteger(warmup))) throw new Error('--warmup must be 0 or more');
  const scenarios = values.scenarios.split(',').map((s) => parseScenario(s, scale));
  const only = values.only?.toLowerCase();
  if (only && only !== 'switchboard' && only !== 'postfix')
    throw new Error('--only is switchboard or postfix');

  await run('bash', [join(ROOT, 'bench', 'ensure-postfix.sh')]).catch((err: Error) => {
    throw new Error(`could not install postfix: ${err.message}`);
  });

  // Both servers and smtp-source share this machine's cores: other work skews the figures.
  const load = loadavg()[0]!;
  if (load > 0.5)
    console.error(`note: load average ${load.toFixed(2)} on ${cpus().length} cores before the run`);

  const results: Record<string, Record<string, Measured>> = {};
  const targets: Target[] = [];
  const stopAll = () => Promise.all(targets.splice(0).map((t) => t.stop()));
  // Ctrl-C: still stop the servers and remove their folders.
  const onSigint = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSigint);
  try {
    if (!only || only === 'switchboard') targets.push(await startSwitchboard(values['cpu-prof']));
    if (!only || only === 'postfix') targets.push(await startPostfix());
    for (const t of targets) console.log(`${t.name}: SMTP on 127.0.0.1:${t.port}`);
    // Case by case, each server right after the other: on a shared machine, both then see much
    // the same background load, which keeps the ratio meaningful.
    const sent = new Map(targets.map((t) => [t, { count: 0 }]));
    for (const scenario of scenarios) {
      for (const target of targets) {
        const m = await measure(target, scenario, warmup, values.reconnect, sent.get(target)!);
        (results[target.name] ??= {})[scenario.name] = m;
        const c = m.commits;
        console.log(
          `  ${scenario.name.padEnd(8)} ${target.name.padEnd(11)} ${fmt(m.rate).padStart(6)} msg/s  ` +
            `(${m.messages} messages in ${m.seconds.toFixed(2)} s, all stored)` +
            (c && c.commits > 0
              ? `  [${c.commits} commits, ${fmt(c.messages / c.commits, 1)} msg/commit, ` +
                `${fmt((c.seconds / c.commits) * 1000, 2)} ms/commit, ` +
                `${fmt((c.seconds / m.seconds) * 100)} % of the time committing]`
              : ''),
        );
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    await stopAll();
  }

  const sb = results.Switchboard ?? {};
  const pf = results.Postfix ?? {};
  const connections = values.reconnect ? 'a new connection per mail' : 'connections kept (-d)';
  console.log(
    `\nsmtp-source, ${connections}; messages per second, every one acknowledged after an fsync\n\n` +
      `| Case | Size | Sessions | Switchboard msg/s | Postfix msg/s | Ratio |\n` +
      `|---|--:|--:|--:|--:|--:|`,
  );
  for (const s of scenarios) {
    const a = sb[s.name]?.rate;
    const b = pf[s.name]?.rate;
    const ratio = a !== undefined && b !== undefined ? a / b : undefined;
    console.log(
      `| ${s.name} | ${s.bytes / 1024} KiB | ${s.sessions} | ${fmt(a)} | ${fmt(b)} | ` +
        `${ratio === undefined ? '-' : `${fmt(ratio, 2)}x`} |`,
    );
  }
  if (values.json)
    await writeFile(
      values.json,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          reconnect: values.reconnect,
          warmup,
          loadAverageBefore: load,
          loadAverageAfter: loadavg()[0],
          scenarios: scenarios.map((s) => ({
            ...s,
            switchboard: sb[s.name] ?? null,
            postfix: pf[s.name] ?? null,
            ratio: sb[s.name] && pf[s.name] ? sb[s.name]!.rate / pf[s.name]!.rate : null,
          })),
        },
        null,
        2,
      ) + '\n',
    );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
