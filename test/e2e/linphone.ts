import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A UDP port on loopback that is free now, and (with `pair`) the one above it too (RTCP). */
async function freeUdpPort(pair = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = createSocket('udp4');
    await new Promise<void>((r) => first.bind(0, '127.0.0.1', r));
    const port = first.address().port;
    if (!pair) {
      first.close();
      return port;
    }
    if (port % 2 === 1 || port > 65534) {
      first.close();
      continue;
    }
    const second = createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      second.once('error', () => r(false));
      second.bind(port + 1, '127.0.0.1', () => r(true));
    });
    first.close();
    second.close();
    if (ok) return port;
  }
  throw new Error('no free UDP port pair');
}

export interface LinphoneCall {
  /** What linphonec printed (its console: call progress, states, errors). */
  output: string;
  /** linphonec's own log (-d 6): SIP messages as sent and received, media set-up. */
  log: string;
  /** What linphonec heard (the greeting and the beep), 8 kHz mono WAV; null if nothing. */
  heard: Buffer | null;
}

/**
 * Runs Debian's linphonec (liblinphone's console phone) as a caller: no sound card, no
 * registration. A private HOME and config file keep it off the machine's own; audio comes from
 * `source` (a WAV, 8 kHz mono 16-bit) through linphonec's file mode (`soundcard use files`,
 * `play`), and what it hears goes to a WAV (`record`). It calls `uri` — through Switchboard as an
 * outbound proxy when `proxy` is set (any Request-URI), else directly — presses `keys`, and
 * `seconds` after the call connected hangs up (`terminate`) or presses # for Switchboard to.
 * Echo cancellation, echo limiter, AGC and noise gate are off (and file mode has no echo
 * canceller anyway), so what reaches Switchboard is the file as it is. Commands go to its stdin
 * and its console output is watched; nothing is left behind (process, files).
 */
export async function linphoneCall(options: {
  uri: string;
  sipPort: number;
  source: string;
  /** Seconds from "connected" to hanging up. */
  seconds: number;
  /** Route the call through Switchboard (an outbound proxy with no REGISTER). */
  proxy?: boolean;
  from?: string;
  /** Offer only these codecs (mime names, e.g. ['PCMA']); linphone's default list otherwise. */
  codecs?: string[];
  /** Keys pressed during the call (DTMF), `at` seconds after it connected. */
  keys?: Array<{ at: number; key: string }>;
  /**
   * How the call ends: linphonec hangs up (BYE), or presses # (recording over), then 1 in the
   * review menu (send it), and waits for Switchboard's BYE.
   */
  end?: 'hang-up' | 'pound';
}): Promise<LinphoneCall> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-linphone-'));
  // liblinphone does not start its SIP stack without a place for its database.
  mkdirSync(join(dir, '.local/share/linphone'), { recursive: true });
  const from = options.from ?? 'sip:carol@b.test';
  const server = `sip:127.0.0.1:${options.sipPort};transport=udp`;
  const rc = join(dir, 'linphonerc');
  writeFileSync(
    rc,
    [
      '[sip]',
      `sip_port=${await freeUdpPort()}`,
      'sip_tcp_port=0',
      'sip_tls_port=0',
      // IPv4 only. Otherwise liblinphone offers its global IPv6 address for media (c=IN IP6),
      // which only symmetric RTP saves; the migration flag keeps it from turning IPv6 back on.
      'use_ipv6=0',
      'ipv6_migration_done=1',
      `contact="Carol" <${from}>`,
      'guess_hostname=0',
      'media_encryption=none',
      ...(options.proxy ? ['default_proxy=0'] : []),
      '[rtp]',
      `audio_rtp_port=${await freeUdpPort(true)}`,
      '[sound]',
      'echocancellation=0',
      'echolimiter=0',
      'agc=0',
      'noisegate=0',
      'mic_gain_db=0',
      'playback_gain_db=0',
      '[video]',
      'capture=0',
      'display=0',
      'automatically_initiate=0',
      'automatically_accept=0',
      ...(options.proxy
        ? [
            '[proxy_0]',
            `reg_proxy=<${server}>`,
            `reg_route=<${server};lr>`,
            `reg_identity="Carol" <${from}>`,
            'reg_sendregister=0',
            'publish=0',
          ]
        : []),
      '',
    ].join('\n'),
  );
  const heardFile = join(dir, 'heard.wav');
  const logFile = join(dir, 'linphonec.log');
  const child = spawn('linphonec', ['-c', rc, '-d', '6', '-l', logFile], {
    env: { ...process.env, HOME: dir, LANG: 'C' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: Array<() => void> = [];
  const seen = () => waiters.splice(0).forEach((w) => w());
  child.stdout.on('data', (d: Buffer) => ((output += d.toString()), seen()));
  child.stderr.on('data', (d: Buffer) => ((output += d.toString()), seen()));
  let gone = false;
  const exited = new Promise<void>((r) => {
    const done = () => ((gone = true), seen(), r());
    child.once('exit', done);
    child.once('error', (err) => ((output += `linphonec: ${err.message}\n`), done()));
  });
  child.stdin.on('error', () => undefined);
  const send = (line: string) => {
    if (!gone) child.stdin.write(`${line}\n`);
  };
  /** Waits until the console output (from `since` on) matches, or `ms` pass; gives the match. */
  const waitFor = async (pattern: RegExp, ms: number, since = 0) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = pattern.exec(output.slice(since));
      if (m) return m;
      if (gone || Date.now() > deadline) return null;
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, Math.max(0, Math.min(200, deadline - Date.now())));
      });
    }
  };
  try {
    // The SIP stack comes up on the first iterations of linphonec's loop; `ports` says when.
    for (let i = 0; i < 50; i++) {
      const mark = output.length;
      send('ports');
      const port = await waitFor(/sip port = (\d+)/, 1000, mark);
      if (gone || (port && port[1] !== '0')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (options.codecs) {
      const mark = output.length;
      send('codec list');
      await waitFor(/^\s*\d+: [\s\S]*?^linphonec> /m, 2000, mark);
      for (const m of output.slice(mark).matchAll(/^\s*(\d+): (\S+) \(\d+\) enabled/gm))
        if (!options.codecs.includes(m[2]!)) send(`codec disable ${m[1]}`);
    }
    send('soundcard use files');
    send(`play ${options.source}`);
    send(`record ${heardFile}`);
    const mark = output.length;
    send(`call ${options.uri}`);
    const outcome = await waitFor(/ connected\.| error\.| ended| declined/, 15_000, mark);
    if (outcome?.[0] === ' connected.') {
      const connected = Date.now();
      const until = (at: number) =>
        new Promise((r) => setTimeout(r, Math.max(0, connected + at * 1000 - Date.now())));
      // A lone digit typed during a call is sent as a DTMF event (RFC 4733 by default).
      for (const { at, key } of options.keys ?? []) {
        await until(at);
        send(key);
      }
      await until(options.seconds);
      if (options.end === 'pound') {
        send('#');
        await new Promise((r) => setTimeout(r, 1500));
        send('1');
        await waitFor(/ ended/, 15_000, mark);
      }
      send('terminate');
      await waitFor(/ ended/, 5000, mark);
    }
    send('quit');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  } finally {
    if (!gone) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  const heard = existsSync(heardFile) ? readFileSync(heardFile) : null;
  rmSync(dir, { recursive: true, force: true });
  return { output, log, heard };
}
