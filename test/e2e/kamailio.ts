import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/**
 * Debian's Kamailio as the switch in front of Switchboard that forwards a subscriber's calls to
 * voicemail, the way a PBX or a carrier's proxy does when the phone is busy: it adds an RFC 5806
 * Diversion header naming the subscriber and the reason, and relays the call (UDP, loopback).
 */
export async function startForwarder(options: {
  switchboardPort: number;
  /** Whose call is forwarded, e.g. sip:ann@a.test. */
  diverter: string;
  /** RFC 5806 reason: user-busy, no-answer, unconditional, ... */
  reason: string;
  /** The loopback address it listens and sends from (127.0.0.2 stands for a trunk's own address). */
  host?: string;
  /** A caller identity it asserts (RFC 3325 P-Asserted-Identity), as a carrier's trunk does. */
  assertedIdentity?: string;
}): Promise<{ port: number; host: string; output(): string; stop(): void }> {
  const host = options.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-kamailio-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'kamailio.cfg'),
    [
      '#!KAMAILIO',
      'debug=2',
      'log_stderror=yes',
      'fork=yes',
      'children=1',
      'disable_tcp=yes',
      `listen=udp:${host}:${port}`,
      'mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"',
      ...['tm', 'sl', 'pv', 'textops', 'siputils', 'diversion'].map((m) => `loadmodule "${m}.so"`),
      'request_route {',
      '  if (is_method("INVITE") && !has_totag()) {',
      `    add_diversion("${options.reason}", "${options.diverter}");`,
      ...(options.assertedIdentity
        ? [`    append_hf("P-Asserted-Identity: <${options.assertedIdentity}>\\r\\n");`]
        : []),
      '  }',
      `  $du = "sip:127.0.0.1:${options.switchboardPort}";`,
      '  t_relay();',
      '}',
      '',
    ].join('\n'),
  );
  let output = '';
  const child: ChildProcess = spawn(
    'kamailio',
    ['-f', join(dir, 'kamailio.cfg'), '-DD', '-E', '-m', '32', '-M', '8', '-w', dir, '-Y', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  // Ready once its workers are up; configuration errors end it at once.
  const started = Date.now();
  while (!/SO_RCVBUF is finally/.test(output)) {
    if (child.exitCode !== null) throw new Error(`kamailio did not start:\n${output}`);
    if (Date.now() - started > 10_000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    host,
    output: () => output,
    stop() {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
