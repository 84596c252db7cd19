/**
 * Fax benchmark: how many fax receptions Switchboard sustains at once on one core. The server
 * (and the fax engine helpers it starts, which inherit its affinity) is pinned to one core; this
 * process and its test fax machines (spandsp sending, test/e2e/fax-sender.ts) to the other.
 * Each round, N machines call subscribers' numbers (50 calls a second) and send a page each; a round is
 * clean when every fax went through whole (both ends say OK) and the server stored N complete
 * faxes. Rounds double N until one is not clean (or --max).
 *
 *   npm run build && npm run bench:fax -- [--from 2] [--max 32] [--pages 1]
 *
 * Progress goes to stderr, the results to stdout.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { faxPagesOf } from '../test/e2e/fax-fixtures.js';
import { TestFaxSender } from '../test/e2e/fax-sender.js';
import { startOwnServer, type OwnServer } from './own-server.js';

const run = promisify(execFile);
const CLK_TCK = 100;

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: '2' },
    max: { type: 'string', default: '32' },
    pages: { type: 'string', default: '1' },
    'server-cpu': { type: 'string', default: '0' },
    'client-cpu': { type: 'string', default: '1' },
  },
});
const from = Number(values.from);
const max = Number(values.max);
const pages = Number(values.pages);

/** CPU seconds of a process and its waited-for children (the fax helpers), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the command.
  return fields.slice(11, 15).reduce((s, v) => s + Number(v), 0) / CLK_TCK;
}

interface Round {
  faxes: number;
  /** The most calls up at once. */
  peak: number;
  ok: number;
  stored: number;
  seconds: number;
  slowestFax: number;
  cpuPercent: number;
  /** This process and its fax machines, on the other core: when it is near 100%, the figure is ours, not the server's. */
  clientPercent: number;
  failures: string[];
}

async function round(
  server: OwnServer,
  sender: TestFaxSender,
  numbers: string[],
  document: string,
  faxes: number,
): Promise<Round> {
  const logBefore = readFileSync(join(server.dataDir, 'server.log'), 'utf8').length;
  const cpuBefore = cpuSeconds(server.child.pid!);
  const clientBefore = cpuSeconds(process.pid);
  const started = performance.now();
  const durations: number[] = [];
  let inFlight = 0;
  let peak = 0;
  const results = await Promise.all(
    Array.from({ length: faxes }, async (_, i) => {
      // A little apart, as calls arrive: 50 a second.
      await new Promise((r) => setTimeout(r, i * 20));
      const t0 = performance.now();
      peak = Math.max(peak, ++inFlight);
      try {
        const { outcome } = await sender.send(
          `sip:${numbers[i % numbers.length]}@127.0.0.1:${server.ports.sip}`,
          document,
          { ident: `+1 555 9${String(i).padStart(3, '0')}`, from: `sip:+1555900${i}@127.0.0.1` },
        );
        durations.push((performance.now() - t0) / 1000);
        return outcome.ok && outcome.pages === pages ? null : `fax ${i}: ${outcome.status}`;
      } catch (err) {
        return `fax ${i}: ${(err as Error).message}`;
      } finally {
        inFlight--;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  // The server stores each fax after its call: give the last ones a moment.
  let stored = 0;
  for (let wait = 0; wait < 50 && stored < faxes; wait++) {
    await new Promise((r) => setTimeout(r, 200));
    const log = readFileSync(join(server.dataDir, 'server.log'), 'utf8').slice(logBefore);
    stored = (
      log.match(new RegExp(`"pages":${pages},[^\\n]*"complete":true[^\\n]*"fax stored"`, 'g')) ?? []
    ).length;
  }
  const failures = results.filter((r): r is string => r !== null);
  return {
    faxes,
    peak,
    ok: faxes - failures.length,
    stored,
    seconds,
    slowestFax: Math.max(...durations, 0),
    cpuPercent: (100 * (cpuSeconds(server.child.pid!) - cpuBefore)) / seconds,
    clientPercent: (100 * (cpuSeconds(process.pid) - clientBefore)) / seconds,
    failures,
  };
}

async function main(): Promise<void> {
  if (values['client-cpu'] !== 'none')
    await run('taskset', ['-a', '-cp', values['client-cpu'], String(process.pid)]);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-fax-'));
  const ps = join(dir, 'page.ps');
  writeFileSync(
    ps,
    `%!PS\n/Helvetica findfont 30 scalefont setfont\n1 1 ${pages} { /n exch def 72 720 moveto (Benchmark page ) show n 3 string cvs show 72 680 moveto (The quick brown fox jumps over the lazy dog, 0123456789.) show showpage } for\n`,
  );
  const document = join(dir, 'document.tif');
  faxPagesOf(ps, document);
  const server = await startOwnServer({
    prefix: 'switchboard-bench-fax-',
    cpu: values['server-cpu'] === 'none' ? undefined : values['server-cpu'],
    logToFile: true,
    env: { SWITCHBOARD_DOMAINS: 'a.test', SWITCHBOARD_LOG_LEVEL: 'info' },
  });
  const sender = await TestFaxSender.start();
  const stopAll = async () => {
    await sender.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    // Ten subscribers, so that the faxes spread over mailboxes as real ones do.
    const numbers = Array.from({ length: 10 }, (_, i) => `+1555000${i}`);
    for (const [i, number] of numbers.entries()) {
      const res = await fetch(`${server.ports.url}/api/v1/subscribers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          name: `Bench ${i}`,
          addresses: [`tel:${number}`],
          password: `bench password ${i} long enough`,
        }),
      });
      if (res.status !== 201) throw new Error(`cannot add a subscriber: ${await res.text()}`);
    }
    const rounds: Round[] = [];
    for (let faxes = from; faxes <= max; faxes *= 2) {
      console.error(`round: ${faxes} faxes at once, ${pages} page(s) each...`);
      const r = await round(server, sender, numbers, document, faxes);
      rounds.push(r);
      console.error(
        `  ${r.ok}/${r.faxes} through (${r.peak} at once at the peak), ${r.stored} stored complete, slowest ${r.slowestFax.toFixed(1)} s, server ${r.cpuPercent.toFixed(0)}% of a core, fax machines ${r.clientPercent.toFixed(0)}%`,
      );
      for (const f of r.failures.slice(0, 5)) console.error(`  ${f}`);
      if (r.ok < r.faxes || r.stored < r.faxes) break;
    }
    const clean = rounds.filter((r) => r.ok === r.faxes && r.stored === r.faxes);
    console.log('faxes  at once  through  stored  round s  slowest s  server CPU  machines CPU');
    for (const r of rounds)
      console.log(
        `${String(r.faxes).padStart(5)}  ${String(r.peak).padStart(7)}  ${String(r.ok).padStart(7)}  ${String(r.stored).padStart(6)}  ${r.seconds.toFixed(1).padStart(7)}  ${r.slowestFax.toFixed(1).padStart(9)}  ${r.cpuPercent.toFixed(0).padStart(9)}%  ${r.clientPercent.toFixed(0).padStart(11)}%`,
      );
    const best = clean.at(-1);
    console.log(
      best
        ? `concurrent fax receptions sustained on one core: ${best.peak} (${best.faxes} faxes in the round)${best === rounds.at(-1) ? ` (every round was clean, up to --max ${max})` : ''}`
        : 'no round was clean',
    );
  } finally {
    await stopAll();
  }
}

await main();
