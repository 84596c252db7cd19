import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin', 'switchboard.js');
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';

/**
 * A real Switchboard process started the way an operator starts it (`switchboard start`), on a
 * free loopback port with its own data folder.
 */
export class ServerProcess {
  child: ChildProcess | null = null;
  url = '';
  smtpPort = 0;
  submissionPort = 0;
  sipPort = 0;
  smppPort = 0;
  output = '';

  constructor(
    readonly dataDir: string,
    readonly env: Record<string, string> = {},
  ) {}

  static async start(env: Record<string, string> = {}): Promise<ServerProcess> {
    const server = new ServerProcess(mkdtempSync(join(tmpdir(), 'switchboard-e2e-')), env);
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    const ports = join(this.dataDir, 'ports.json');
    rmSync(ports, { force: true });
    this.output = '';
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: {
        ...process.env,
        SWITCHBOARD_DATA_DIR: this.dataDir,
        SWITCHBOARD_HTTP_HOST: '127.0.0.1',
        SWITCHBOARD_HTTP_PORT: '0',
        SWITCHBOARD_SMTP_PORT: '0',
        SWITCHBOARD_SUBMISSION_PORT: '0',
        SWITCHBOARD_SIP_PORT: '0',
        SWITCHBOARD_SMPP_PORT: '0',
        SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
        SWITCHBOARD_LOG_LEVEL: 'warn',
        SWITCHBOARD_DATABASE_URL: '',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!existsSync(ports)) {
      if (child.exitCode !== null)
        throw new Error(`server exited with ${child.exitCode}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`server did not start:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const written = JSON.parse(readFileSync(ports, 'utf8')) as {
      url: string;
      smtp: number;
      submission: number;
      sip: number;
      smpp: number;
    };
    this.url = written.url;
    this.smtpPort = written.smtp;
    this.submissionPort = written.submission;
    this.sipPort = written.sip;
    this.smppPort = written.smpp;
  }

  /** SIGTERM (graceful) or SIGKILL (a crash); resolves when the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill(signal);
    return exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small HTTP client: JSON in and out, bearer token, the raw bytes when asked. */
export class Client {
  constructor(
    readonly baseUrl: string,
    public token: string | null = null,
  ) {}

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      h['content-type'] ??= 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(this.baseUrl + path, { method, headers: h, body: payload });
    const type = res.headers.get('content-type') ?? '';
    const parsed = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }
  patch<T = any>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }
}

/** Adds a subscriber with the admin token and signs them in. */
export async function subscriberClient(
  server: ServerProcess,
  fields: { name: string; addresses: string[]; password?: string; [k: string]: unknown },
): Promise<{ client: Client; id: string }> {
  const admin = new Client(server.url, ADMIN_TOKEN);
  const password = fields.password ?? `${fields.name} long password`;
  const created = await admin.post('/api/v1/subscribers', { ...fields, password });
  if (created.status !== 201)
    throw new Error(`cannot add ${fields.name}: ${JSON.stringify(created.body)}`);
  const session = await new Client(server.url).post('/api/v1/sessions', {
    address: fields.addresses[0],
    password,
  });
  if (session.status !== 201)
    throw new Error(`cannot sign in ${fields.name}: ${JSON.stringify(session.body)}`);
  return { client: new Client(server.url, session.body.token), id: created.body.id };
}

/** Reads a server-sent event stream until `until` says stop; gives back every event seen. */
export async function readEvents(
  url: string,
  until: (events: Array<{ event: string; data: any }>) => boolean,
  onOpen: () => Promise<void>,
  timeoutMs = 10_000,
): Promise<Array<{ event: string; data: any }>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const res = await fetch(url, {
    signal: controller.signal,
    headers: { accept: 'text/event-stream' },
  });
  if (res.status !== 200) throw new Error(`event stream answered ${res.status}`);
  const events: Array<{ event: string; data: any }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  let opened = false;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
      if (!opened && events.some((e) => e.event === 'ready')) {
        opened = true;
        await onOpen();
      }
      if (until(events)) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

/** Runs `switchboard` as an operator would, finding the server through its data folder. */
export async function runCli(
  server: ServerProcess,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        SWITCHBOARD_DATA_DIR: server.dataDir,
        SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
