import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { ROOT } from './harness.js';

const SBIN = ['/usr/sbin', '/usr/bin'];

/** Debian's Kannel binaries, installed by scripts/ensure-test-peers.sh when missing. */
function kannelBinary(name: 'bearerbox' | 'smsbox'): string {
  const find = () => SBIN.map((d) => join(d, name)).find((p) => existsSync(p));
  if (!find())
    execFileSync('bash', [join(ROOT, 'scripts/ensure-test-peers.sh')], { stdio: 'inherit' });
  const path = find();
  if (!path) throw new Error(`${name} is missing: install Debian's kannel`);
  return path;
}

export interface Kannel {
  /** smsbox's sendsms HTTP interface. */
  sendsmsUrl: string;
  user: string;
  password: string;
  /** bearerbox's, the SMPP connection's and smsbox's logs, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Kannel as an application of Switchboard's SMPP server: a bearerbox whose one SMSC is an SMPP
 * transceiver bound to our server with an SMPP account, and an smsbox offering the sendsms HTTP
 * interface. Both run from a config in a temporary folder, on free loopback ports.
 */
export async function startKannel(options: {
  smppPort: number;
  systemId: string;
  password: string;
}): Promise<Kannel> {
  const bearerbox = kannelBinary('bearerbox');
  const smsbox = kannelBinary('smsbox');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-kannel-'));
  const [adminPort, boxPort, sendsmsPort] = [await freePort(), await freePort(), await freePort()];
  const user = 'shop-app';
  const password = 'shop-app-secret';
  const conf = join(dir, 'kannel.conf');
  writeFileSync(
    conf,
    [
      'group = core',
      `admin-port = ${adminPort}`,
      'admin-interface = 127.0.0.1',
      'admin-password = not-used-here',
      `smsbox-port = ${boxPort}`,
      'box-allow-ip = 127.0.0.1',
      `log-file = "${join(dir, 'bearerbox.log')}"`,
      'log-level = 1',
      'dlr-storage = internal',
      '',
      'group = smsc',
      'smsc = smpp',
      'smsc-id = switchboard',
      'host = 127.0.0.1',
      `port = ${options.smppPort}`,
      'transceiver-mode = true',
      `smsc-username = "${options.systemId}"`,
      `smsc-password = "${options.password}"`,
      'system-type = ""',
      'interface-version = 34',
      'source-addr-ton = 1',
      'source-addr-npi = 1',
      'dest-addr-ton = 1',
      'dest-addr-npi = 1',
      'enquire-link-interval = 30',
      'reconnect-delay = 1',
      `log-file = "${join(dir, 'smsc.log')}"`,
      'log-level = 0',
      '',
      'group = smsbox',
      'bearerbox-host = 127.0.0.1',
      `bearerbox-port = ${boxPort}`,
      `sendsms-port = ${sendsmsPort}`,
      'sendsms-interface = 127.0.0.1',
      `log-file = "${join(dir, 'smsbox.log')}"`,
      'log-level = 0',
      '',
      'group = sendsms-user',
      `username = ${user}`,
      `password = ${password}`,
      'max-messages = 10',
      'concatenation = true',
      '',
      'group = sms-service',
      'keyword = default',
      'text = "no service"',
      'catch-all = true',
      '',
    ].join('\n'),
  );
  const children: ChildProcess[] = [];
  const run = (binary: string) => {
    const child = spawn(binary, [conf], { stdio: 'ignore' });
    children.push(child);
    return child;
  };
  run(bearerbox);
  // smsbox gives up when bearerbox is not listening yet; a moment's head start is enough.
  await new Promise((r) => setTimeout(r, 500));
  run(smsbox);
  const read = (file: string) =>
    existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '';
  const logs = () =>
    ['bearerbox.log', 'smsc.log', 'smsbox.log'].map((f) => `--- ${f}\n${read(f)}`).join('\n');
  // Ready when smsbox answers HTTP (it starts once it has reached bearerbox).
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answered = await fetch(`http://127.0.0.1:${sendsmsPort}/`).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline || children.some((c) => c.exitCode !== null))
      throw new Error(`Kannel did not start:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    sendsmsUrl: `http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms`,
    user,
    password,
    logs,
    async stop() {
      // smsbox first, then bearerbox, which unbinds from our server as it shuts down.
      for (const child of children.reverse()) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
