import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/**
 * One event from baresip's ctrl_tcp module, as it sent it, plus `at` (ms since the phone
 * started). Seen with baresip 1.0.0: REGISTERING, REGISTER_OK, REGISTER_FAIL (`param` "403
 * Forbidden"), CALL_LOCAL_SDP (no `id` yet on an outgoing call's offer), CALL_REMOTE_SDP,
 * CALL_RINGING, CALL_ESTABLISHED, CALL_RTPESTAB, CALL_RTCP (every 5 s), CALL_INCOMING (not for
 * auto-answered calls), CALL_DTMF_START (`param` the digit) and CALL_DTMF_END (no param) for
 * RFC 4733 digits received, AUDIO_ERROR ("0,end of file"), CALL_CLOSED (`param` the reason:
 * "Connection reset by peer" when the far end sent BYE, "Connection reset by user" after
 * hangup(), "404 Not Found" for a refused INVITE, "end of file" when the microphone ran out),
 * SHUTDOWN, EXIT.
 */
export interface PhoneEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: 'incoming' | 'outgoing';
  peeruri?: string;
  /** The call's id (its SIP Call-ID). */
  id?: string;
  param?: string;
  at: number;
  [field: string]: unknown;
}

export interface BaresipPhoneOptions {
  /** The account's address of record; default sip:carol@b.test, or built from user and domain. */
  from?: string;
  user?: string;
  domain?: string;
  /** Digest password (no spaces: baresip's account line splits on them). */
  secret?: string;
  /** REGISTER with Switchboard (regint=600); default: when a secret is given. */
  register?: boolean;
  /** Switchboard's SIP port: the account's outbound proxy. Without it the phone dials direct. */
  sipPort?: number;
  /** The outbound proxy's address, when not 127.0.0.1 (a forwarding switch on 127.0.0.2). */
  sipHost?: string;
  transport?: 'udp' | 'tcp';
  /** Offer only this codec (baresip's audio_codecs account parameter), e.g. PCMA. */
  codec?: string;
  /**
   * The microphone: a WAV file (any rate and channels; converted to 8 kHz mono 16-bit, which
   * aufile insists on). Default: silence.
   */
  source?: string;
  /**
   * Seconds of silence after the source. baresip 1.0 ends the call when aufile reaches the end
   * of its file ("audio error (0,end of file)"), so the microphone is padded to keep calls up
   * while keys are pressed. 0 restores the old behaviour: the call ends with the file.
   * Default 300.
   */
  holdSeconds?: number;
  /**
   * Record with the sndfile module: what the phone heard (`heardFile()`) and what it sent
   * (`sentFile()`). Default true.
   */
  record?: boolean;
  /** baresip's jitter_buffer_delay in frames, e.g. '5-10' (its default); default '0-0', none. */
  jitterBuffer?: string;
  /** Answer incoming calls at once (account answermode=auto). */
  autoAnswer?: boolean;
  /** More baresip application modules, e.g. mwi.so. */
  modules?: string[];
  /** Print the SIP messages into `output` too (`-s`). */
  trace?: boolean;
  /** Keep the phone's folder (config, recordings) after stop(). */
  keep?: boolean;
}

interface Waiter {
  predicate: (event: PhoneEvent) => boolean;
  consume: boolean;
  resolve: (event: PhoneEvent) => void;
  reject: (err: Error) => void;
}

/**
 * Debian's baresip as a phone that tests script: it runs with the ctrl_tcp module and is told
 * what to do over that socket (netstrings carrying JSON commands, answered by token; events
 * arrive on the same socket). aufile is the microphone, sndfile records both directions of each
 * call. Only this process is ever stopped or killed.
 */
export class BaresipPhone {
  /** Every event baresip sent, in order. */
  readonly events: PhoneEvent[] = [];
  /** What baresip printed (stdout and stderr, interleaved as they came). */
  output = '';
  private readonly consumed = new Set<PhoneEvent>();
  private readonly waiters = new Set<Waiter>();
  private readonly pending = new Map<
    string,
    { resolve: (r: { ok: boolean; data: string }) => void; reject: (err: Error) => void }
  >();
  private readonly calls = new Set<string>();
  private socket: Socket | null = null;
  private inbound = Buffer.alloc(0);
  private token = 0;
  private readonly started = Date.now();
  private exit: Promise<void>;
  private exited = false;
  private sources = 0;

  private constructor(
    /** The phone's own folder: config, accounts, microphone files, recordings. */
    readonly dir: string,
    private readonly child: ChildProcess,
    /** The account's address of record. */
    readonly aor: string,
    /** Where the phone takes SIP requests directly: sip:user@127.0.0.1:port. */
    readonly contact: string,
    readonly ctrlPort: number,
    private readonly options: BaresipPhoneOptions,
  ) {
    child.on('error', (err) => (this.output += `\n[${err.message}]\n`));
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exit = new Promise((resolve) =>
      child.once('exit', () => {
        this.exited = true;
        const gone = new Error(`baresip exited\n${this.tail()}`);
        for (const w of this.waiters) w.reject(gone);
        this.waiters.clear();
        for (const p of this.pending.values()) p.reject(gone);
        this.pending.clear();
        resolve();
      }),
    );
  }

  /**
   * A started phone. The ports are picked free but baresip binds them later (and its TLS
   * transport one of its own): another process can take one in between, so a phone that finds
   * its address in use is started again on fresh ports.
   */
  static async start(options: BaresipPhoneOptions = {}): Promise<BaresipPhone> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await BaresipPhone.startOnce(options);
      } catch (err) {
        if (attempt >= 3 || !/Address already in use/.test((err as Error).message)) throw err;
      }
    }
  }

  private static async startOnce(options: BaresipPhoneOptions): Promise<BaresipPhone> {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-phone-'));
    const transport = options.transport ?? 'udp';
    const own = await freePort();
    let ctrlPort = await freePort();
    while (ctrlPort === own) ctrlPort = await freePort();
    const aor =
      options.from ??
      (options.user ? `sip:${options.user}@${options.domain ?? 'a.test'}` : 'sip:carol@b.test');
    const user = /^sips?:([^@;]+)@/.exec(aor)?.[1] ?? 'phone';
    const source = prepareSource(dir, 'mic-0.wav', options.source, options.holdSeconds ?? 300);
    const record = options.record ?? true;
    writeFileSync(
      join(dir, 'config'),
      [
        'poll_method epoll',
        `sip_listen 127.0.0.1:${own}`,
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aufile.so',
        ...(record ? ['module sndfile.so', `snd_path ${dir}`] : []),
        'module_app account.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        ...(options.modules ?? []).map((m) => `module_app ${m}`),
        `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
        `audio_source aufile,${source}`,
        // No audio player is loaded (baresip 1.0's aufile is a source only): sndfile keeps what
        // is heard. baresip 1.0 decodes as packets arrive and its jitter buffer (5-10 frames by default)
        // keeps the last ~100 ms it was given when the far end goes quiet: they never reach
        // the recording. Without one (0-0) every packet heard is decoded at once.
        `jitter_buffer_delay ${options.jitterBuffer ?? '0-0'}`,
        'statmode_default off',
        'ringback_disabled yes',
        '',
      ].join('\n'),
    );
    const register = options.register ?? options.secret !== undefined;
    const params = [
      options.secret !== undefined ? `auth_pass=${options.secret}` : '',
      options.sipPort
        ? `outbound="sip:${options.sipHost ?? '127.0.0.1'}:${options.sipPort};transport=${transport}"`
        : '',
      `regint=${register ? 600 : 0}`,
      options.codec ? `audio_codecs=${options.codec}` : '',
      options.autoAnswer ? 'answermode=auto' : '',
    ].filter(Boolean);
    // No account at start-up: it is made over ctrl_tcp once connected (uanew), so that its
    // REGISTERING and REGISTER_OK events are not sent before anyone listens.
    writeFileSync(join(dir, 'accounts'), '');
    const account = `<${aor};transport=${transport}>;${params.join(';')}`;
    // stdbuf: baresip prints through stdio, which a pipe would otherwise buffer for long.
    const child = spawn(
      'stdbuf',
      ['-oL', '-eL', 'baresip', '-f', dir, ...(options.trace ? ['-s'] : [])],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const phone = new BaresipPhone(
      dir,
      child,
      aor,
      `sip:${user}@127.0.0.1:${own}${transport === 'tcp' ? ';transport=tcp' : ''}`,
      ctrlPort,
      options,
    );
    try {
      await phone.connect();
      await phone.must('uanew', account);
    } catch (err) {
      await phone.stop();
      throw err;
    }
    return phone;
  }

  private async connect(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.exited) throw new Error(`baresip exited before ctrl_tcp listened\n${this.tail()}`);
      const socket = await new Promise<Socket | null>((resolve) => {
        const s = connect(this.ctrlPort, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(null));
      });
      if (socket) {
        this.socket = socket;
        socket.on('data', (d: Buffer) => this.receive(d));
        socket.on('error', () => undefined);
        return;
      }
      if (Date.now() > deadline) throw new Error(`ctrl_tcp did not listen\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Netstrings: `<length>:<JSON>,`, possibly several per chunk or one split across chunks. */
  private receive(data: Buffer): void {
    this.inbound = Buffer.concat([this.inbound, data]);
    for (;;) {
      const colon = this.inbound.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(this.inbound.subarray(0, colon).toString('latin1'));
      if (this.inbound.length < colon + 1 + length + 1) return;
      const text = this.inbound.subarray(colon + 1, colon + 1 + length).toString('utf8');
      this.inbound = this.inbound.subarray(colon + 2 + length);
      let message: any;
      try {
        message = JSON.parse(text);
      } catch {
        this.output += `\n[ctrl_tcp: unparsable ${text}]\n`;
        continue;
      }
      if (message.response) {
        const p = this.pending.get(String(message.token));
        this.pending.delete(String(message.token));
        p?.resolve({ ok: Boolean(message.ok), data: String(message.data ?? '') });
      } else if (message.event) {
        const { event: _event, ...fields } = message;
        this.note({ ...fields, at: Date.now() - this.started } as PhoneEvent);
      }
    }
  }

  private note(event: PhoneEvent): void {
    this.events.push(event);
    if (event.type === 'CALL_ESTABLISHED' && event.id) this.calls.add(event.id);
    if (event.type === 'CALL_CLOSED' && event.id) this.calls.delete(event.id);
    for (const w of this.waiters) {
      if (this.consumed.has(event) || !w.predicate(event)) continue;
      if (w.consume) this.consumed.add(event);
      this.waiters.delete(w);
      w.resolve(event);
    }
  }

  /**
   * Any menu command, e.g. `command('dial', 'sip:ann@a.test')`; gives back baresip's answer.
   * baresip answers ok to some commands that did nothing (sndcode or hangup with no call).
   */
  command(name: string, params = '', timeoutMs = 5000): Promise<{ ok: boolean; data: string }> {
    if (!this.socket || this.exited) return Promise.reject(new Error('baresip is not running'));
    const token = String(++this.token);
    const json = JSON.stringify({ command: name, params, token });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`no answer to ${name} ${params}\n${this.tail()}`));
      }, timeoutMs);
      this.pending.set(token, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.socket!.write(`${Buffer.byteLength(json)}:${json},`);
    });
  }

  private async must(name: string, params = ''): Promise<string> {
    const answer = await this.command(name, params);
    if (!answer.ok) throw new Error(`baresip refused ${name} ${params}: ${answer.data}`);
    return answer.data;
  }

  /**
   * Calls `uri` (through Switchboard when the phone has sipPort); resolves with the call's id
   * once baresip names it (its first event carrying an id), so later waits can pick this call.
   */
  async dial(uri: string, timeoutMs = 10_000): Promise<string> {
    const from = this.events.length;
    await this.must('dial', uri);
    const named = (e: PhoneEvent) =>
      this.events.indexOf(e) >= from && e.direction === 'outgoing' && Boolean(e.id);
    const seen = this.events.slice(from).find(named);
    if (seen) return seen.id!;
    // Not consumed: the event stays for the test's own waits.
    const event = await this.next(named, timeoutMs, `an id for the call to ${uri}`, false);
    return event.id!;
  }

  /** Answers the ringing incoming call (menu's `accept`). */
  async answer(): Promise<void> {
    await this.must('accept');
  }

  /** Hangs up the current call (menu's `hangup`); CALL_CLOSED follows. */
  async hangup(): Promise<void> {
    await this.must('hangup');
  }

  /**
   * Presses keys on the current call, one `sndcode` per digit and `gapMs` between them. baresip
   * sends them as RFC 4733 telephone-events in the RTP stream (it logs "audio: send DTMF digit"),
   * a short press each: sndcode sends the key and its release at once.
   */
  async sendDigits(digits: string, gapMs = 300): Promise<void> {
    if (!/^[0-9*#A-D]+$/i.test(digits)) throw new Error(`not DTMF digits: ${digits}`);
    for (let i = 0; i < digits.length; i++) {
      // sndcode answers ok even without a call; say so here instead of sending nothing.
      if (this.calls.size === 0) throw new Error(`no call to send ${digits[i]} on`);
      if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
      await this.must('sndcode', digits[i]);
    }
  }

  /**
   * Switches the microphone mid-call to another WAV (converted and padded like `source`), from
   * its start; menu's `ausrc aufile,<file>`. `holdSeconds` 0 lets the call end with the file.
   */
  async play(source: string | null, holdSeconds = 300): Promise<void> {
    const file = prepareSource(this.dir, `mic-${++this.sources}.wav`, source, holdSeconds);
    await this.must('ausrc', `aufile,${file}`);
  }

  /**
   * The first event of `type` not yet given to an earlier wait (past ones count, so nothing is
   * missed between an action and its wait) for which `predicate` holds; rejects after
   * `timeoutMs` or when baresip exits.
   */
  waitFor(
    type: string,
    predicate: (event: PhoneEvent) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<PhoneEvent> {
    return this.next((e) => e.type === type && predicate(e), timeoutMs, type, true);
  }

  /** The first matching event, past or coming; `consume` keeps it from later waits. */
  private next(
    predicate: (event: PhoneEvent) => boolean,
    timeoutMs: number,
    what: string,
    consume: boolean,
  ): Promise<PhoneEvent> {
    const past = this.events.find((e) => !this.consumed.has(e) && predicate(e));
    if (past) {
      if (consume) this.consumed.add(past);
      return Promise.resolve(past);
    }
    if (this.exited) return Promise.reject(new Error(`baresip exited\n${this.tail()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out waiting for ${what}\n${this.tail()}`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        consume,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** The newest recording sndfile made of what the phone heard, if any. */
  heardFile(): string | undefined {
    return this.newest('-dec.wav');
  }

  /** The newest recording sndfile made of what the phone sent, if any. */
  sentFile(): string | undefined {
    return this.newest('-enc.wav');
  }

  /**
   * What the phone heard on its last call, as 8 kHz samples. sndfile writes the WAV header's
   * sizes only when the call's audio is torn down (shortly after CALL_CLOSED), so this reads the
   * data to the end of the file whatever the header says.
   */
  heard(): Int16Array {
    const file = this.heardFile();
    if (!file) throw new Error(`sndfile recorded nothing in ${this.dir}`);
    return pcmOf(readFileSync(file));
  }

  /** Whether a call is up (established and not closed). */
  get inCall(): boolean {
    return this.calls.size > 0;
  }

  /**
   * Quits baresip (its `quit` command hangs up any call), kills it if it has not gone within
   * `timeoutMs`, and removes its folder unless `keep`.
   */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.exited) {
      await this.command('quit', '', 2000).catch(() => undefined);
      const gone = await Promise.race([
        this.exit.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs)),
      ]);
      if (!gone) {
        this.child.kill('SIGTERM');
        const ended = await Promise.race([
          this.exit.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 2000)),
        ]);
        if (!ended) this.child.kill('SIGKILL');
        await this.exit;
      }
    }
    this.socket?.destroy();
    if (!this.options.keep) rmSync(this.dir, { recursive: true, force: true });
  }

  private newest(suffix: string): string | undefined {
    if (!existsSync(this.dir)) return undefined;
    // sndfile names them dump-YYYY-MM-DD-HH-MM-SS-{enc,dec}.wav: sorting by name is by time.
    const files = readdirSync(this.dir)
      .filter((f) => f.startsWith('dump-') && f.endsWith(suffix))
      .sort();
    return files.length ? join(this.dir, files[files.length - 1]!) : undefined;
  }

  /** The last events and output, for failure messages. */
  tail(): string {
    const events = this.events
      .slice(-8)
      .map((e) => `${e.at} ms ${e.type} ${e.param ?? ''}`)
      .join('\n');
    return `events:\n${events}\noutput:\n${this.output.slice(-1500)}`;
  }
}

/**
 * A caller that says its piece and is gone: dials `uri` with a phone of `options`, plays
 * `source` as the microphone (the call ends with the file), waits for the call to close (at
 * most `timeoutMs`) and stops the phone; gives back what baresip printed. For keys and timing,
 * keep the phone: BaresipPhone.start.
 */
export async function callSaying(
  uri: string,
  options: BaresipPhoneOptions & { source: string },
  timeoutMs = 60_000,
): Promise<string> {
  const phone = await BaresipPhone.start({ record: false, ...options, holdSeconds: 0 });
  try {
    const call = await phone.dial(uri);
    await phone.waitFor('CALL_CLOSED', (e) => e.id === call, timeoutMs);
  } finally {
    await phone.stop();
  }
  return phone.output;
}

/** The microphone file: the source (or nothing) as 8 kHz mono 16-bit, then `hold` s of silence. */
function prepareSource(
  dir: string,
  name: string,
  source: string | null | undefined,
  hold: number,
): string {
  const file = join(dir, name);
  const format = ['-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer'];
  if (source) execFileSync('sox', [source, ...format, file, 'pad', '0', String(hold)]);
  else execFileSync('sox', ['-n', ...format, file, 'trim', '0', String(Math.max(hold, 1))]);
  return file;
}

/** The samples of a 16-bit mono WAV, to the end of the file if the header's sizes are unset. */
export function pcmOf(wav: Buffer): Int16Array {
  let at = 12;
  while (at + 8 <= wav.length) {
    const id = wav.toString('latin1', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'data') {
      const end = size > 0 ? Math.min(wav.length, at + 8 + size) : wav.length;
      const bytes = Buffer.from(wav.subarray(at + 8, end - ((end - at - 8) % 2)));
      return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('no data chunk in the WAV');
}
