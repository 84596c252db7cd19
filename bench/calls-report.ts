/**
 * The figures of one round of the concurrent-calls benchmark (bench/calls.ts), and how they are
 * printed.
 */

export interface RoundResult {
  calls: number;
  placed: number;
  answered: number;
  failed: number;
  stored: number;
  storedApi: number;
  discarded: number;
  sent: number;
  received: number;
  /** Calls whose last packets never counted (sent before the BYE), and the most in one call. */
  shortCalls: number;
  shortMax: number;
  lost: number;
  late: number;
  jitterMaxMs: number | null;
  heard: number;
  okRepeats: number;
  udpDrops: number;
  setupP50: number;
  setupMax: number;
  /** From our BYE to its 200. */
  hangupP50: number;
  hangupMax: number;
  slipP50: number;
  slipP99: number;
  slipMax: number;
  clientCpu: number;
  /** Server CPU (share of one core) over the whole run, and while every call was up. */
  serverCpuRun: number;
  serverCpuFull: number;
  serverCpuPeak: number;
  /** With no call up (3 s before the run). */
  serverCpuIdle: number;
  /** The kernel's part of serverCpuFull. */
  serverSysFull: number;
  /** Share of the run the server's event-loop thread was runnable but waiting for a CPU. */
  serverWait: number;
  serverWaitPeak: number;
  fullSeconds: number;
  rssFullMiB: number;
  rssPeakMiB: number;
  lagP99Ms: number;
  lagMaxMs: number;
  recordedSeconds: number;
  /** How busy each core was over the run (everything on it, ours and others'), and steal. */
  cores: Array<{ busy: number; steal: number }>;
  /** The server's core's busy share minus the server's own: other processes on that core. */
  otherOnServerCore: number | null;
  clean: boolean;
}

export const fmt = (n: number | null | undefined, digits = 0) =>
  n !== null && n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '-';

export function report(r: RoundResult): string {
  const pct = (x: number) => `${fmt(x * 100)} %`;
  return [
    `calls: ${r.calls} placed ${r.placed}, answered ${r.answered}, failed ${r.failed}; ` +
      `stored ${r.stored} (API: ${r.storedApi}), discarded ${r.discarded}; ` +
      `${fmt(r.recordedSeconds, 1)} s recorded per call on average`,
    `RTP to the server: sent ${r.sent}, received ${r.received} (${r.sent - r.received} missing), ` +
      `sequence gaps ${r.lost}, late ${r.late}` +
      (r.shortCalls ? `; ${r.shortCalls} calls short at the end, by up to ${r.shortMax}` : '') +
      (r.jitterMaxMs !== null ? `, jitter max ${fmt(r.jitterMaxMs, 1)} ms` : '') +
      `; kernel UDP receive-buffer drops ${fmt(r.udpDrops)} (whole machine)`,
    `RTP from the server (greeting and beep): ${r.heard} packets; ` +
      `200 OK repeated ${r.okRepeats} times; call setup p50 ${fmt(r.setupP50, 1)} ms, max ${fmt(r.setupMax, 1)} ms; ` +
      `BYE answered p50 ${fmt(r.hangupP50, 1)} ms, max ${fmt(r.hangupMax, 1)} ms`,
    `server CPU: ${pct(r.serverCpuFull)} of a core with all ${r.answered} calls up ` +
      `(for ${fmt(r.fullSeconds)} s; ${pct(r.serverSysFull)} in the kernel), ${pct(r.serverCpuRun)} over the run, peak second ${pct(r.serverCpuPeak)}, idle ${pct(r.serverCpuIdle)}; ` +
      `RSS ${fmt(r.rssFullMiB)} MiB with all calls up, peak ${fmt(r.rssPeakMiB)} MiB; ` +
      `event-loop delay p99 ${fmt(r.lagP99Ms, 1)} ms, max ${fmt(r.lagMaxMs, 1)} ms`,
    `generator: CPU ${pct(r.clientCpu)} of a core; pacing slip p50 ${fmt(r.slipP50, 1)} ms, ` +
      `p99 ${fmt(r.slipP99, 1)} ms, max ${r.slipMax >= 1000 ? '>1000' : fmt(r.slipMax, 1)} ms`,
    `machine: ` +
      r.cores
        .map(
          (c, i) =>
            `core ${i} ${pct(c.busy)} busy` + (c.steal > 0.005 ? ` (steal ${pct(c.steal)})` : ''),
        )
        .join(', ') +
      ` over the run, everything on it counted` +
      `; the server's event-loop thread waited for its core ${pct(r.serverWait)} of the run ` +
      `(worst second ${pct(r.serverWaitPeak)})` +
      (r.otherOnServerCore !== null
        ? `; other work took about ${pct(r.otherOnServerCore)} of the server's core`
        : ''),
    r.clean
      ? `=> ${r.calls} concurrent recorded calls without loss`
      : `=> NOT clean at ${r.calls} calls`,
  ].join('\n');
}
