import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free UDP/TCP port number on loopback for baresip's own SIP socket. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * Runs Debian's baresip (a real SIP phone) with one account pointed at Switchboard for a few
 * seconds and gives back what it printed. baresip's account syntax splits on spaces, so the
 * secret must not contain any.
 */
export async function baresipRegister(options: {
  user: string;
  domain: string;
  secret: string;
  sipPort: number;
  transport?: 'udp' | 'tcp';
  seconds?: number;
  /** More baresip modules, e.g. mwi.so (subscribes to message-waiting). */
  modules?: string[];
  /** Print the SIP messages too (`-s`). */
  trace?: boolean;
}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-baresip-'));
  const transport = options.transport ?? 'udp';
  const own = await freePort();
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${own}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module_app account.so',
      ...(options.modules ?? []).map((m) => `module_app ${m}`),
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:${options.user}@${options.domain};transport=${transport}>;auth_pass=${options.secret};outbound="sip:127.0.0.1:${options.sipPort};transport=${transport}";regint=600\n`,
  );
  return new Promise((resolve) => {
    execFile(
      'baresip',
      ['-f', dir, '-t', String(options.seconds ?? 3), ...(options.trace ? ['-s'] : [])],
      { timeout: 20_000 },
      (_err, stdout, stderr) => resolve(`${stdout}${stderr}`),
    );
  });
}

/**
 * baresip as a caller: dials `uri` through Switchboard, plays `source` (a WAV, 8 kHz mono) as
 * its microphone (the call ends with the file) and quits as soon as the call has ended (or
 * after 40 s); gives back what it printed. For keys and timing, use BaresipPhone.
 */
export async function baresipCall(options: {
  uri: string;
  sipPort: number;
  source: string;
  from?: string;
  transport?: 'udp' | 'tcp';
  /** Offer only this codec (baresip's audio_codecs account parameter), e.g. PCMA. */
  codec?: string;
}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-baresip-call-'));
  const transport = options.transport ?? 'udp';
  const own = await freePort();
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${own}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      'module_app account.so',
      'module_app menu.so',
      `audio_source aufile,${options.source}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'accounts'),
    `<${options.from ?? 'sip:carol@b.test'};transport=${transport}>;regint=0;outbound="sip:127.0.0.1:${options.sipPort};transport=${transport}"${options.codec ? `;audio_codecs=${options.codec}` : ''}\n`,
  );
  const child = spawn('baresip', ['-f', dir, '-e', `/dial ${options.uri}`, '-t', '40'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const take = (d: Buffer) => {
    output += d.toString();
    if (/Call with \S+ terminated/.test(output)) child.kill('SIGTERM');
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const hardStop = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await new Promise((r) => child.once('exit', r));
  clearTimeout(hardStop);
  rmSync(dir, { recursive: true, force: true });
  return output;
}
