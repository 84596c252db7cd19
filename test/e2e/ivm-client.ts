import WebSocket from 'ws';

export interface IvmFrame {
  action: string;
  id: string | null;
  source?: string;
  destination?: string | string[];
  object: any;
}

/** The 8-byte header of a live audio frame, then the packet. */
export function audioFrame(stream: number, sequence: number, packet: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(stream, 0);
  header.writeUInt32BE(sequence, 4);
  return Buffer.concat([header, packet]);
}

/**
 * A voice messenger client over a real WebSocket (the `ws` package): every frame it receives
 * is kept, text as objects, binary as buffers with their arrival time, so tests can wait for
 * and count them.
 */
export class IvmClient {
  readonly frames: IvmFrame[] = [];
  readonly audio: Array<{ stream: number; sequence: number; packet: Buffer; at: number }> = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: Array<() => void> = [];
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const buf = data as Buffer;
      if (isBinary)
        this.audio.push({
          stream: buf.readUInt32BE(0),
          sequence: buf.readUInt32BE(4),
          packet: buf.subarray(8),
          at: Date.now(),
        });
      else this.frames.push(JSON.parse(buf.toString('utf8')) as IvmFrame);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  static open(
    baseUrl: string,
    token: string | null,
    headers: Record<string, string> = {},
    /** false: the client does not answer the server's pings (a dead peer). */
    autoPong = true,
  ): Promise<IvmClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/api/v1/ivm${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    const socket = new WebSocket(url, { headers, autoPong });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new IvmClient(socket)));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          reject(
            Object.assign(new Error(`upgrade refused ${res.statusCode}`), {
              status: res.statusCode,
              body,
            }),
          ),
        );
      });
      socket.once('error', reject);
    });
  }

  /** Opens and connects as `device`; gives the session object. */
  static async connect(
    baseUrl: string,
    token: string,
    device: string,
    object: Record<string, unknown> = {},
  ) {
    const client = await IvmClient.open(baseUrl, token);
    const session = await client.request({ action: 'connect', object: { device, ...object } });
    if (session.action !== 'connect')
      throw new Error(`connect refused: ${JSON.stringify(session)}`);
    return { client, session: session.object };
  }

  send(frame: Record<string, unknown>): string {
    const id = (frame.id as string | undefined) ?? `t${this.nextId++}`;
    this.socket.send(JSON.stringify({ ...frame, id }));
    return id;
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** Sends a frame and waits for the first answer with its id (ack, error, or the action's answer). */
  async request(frame: Record<string, unknown>, timeoutMs = 15_000): Promise<IvmFrame> {
    const id = this.send(frame);
    const start = this.frames.length;
    return this.waitFor(
      (f) => f.id === id,
      `answer to ${frame.action as string} ${id}`,
      timeoutMs,
      start,
    );
  }

  /** The first frame (from `from` on) that matches; waits for it. */
  async waitFor(
    match: (f: IvmFrame) => boolean,
    what: string,
    timeoutMs = 15_000,
    from = 0,
  ): Promise<IvmFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (this.closed)
        throw new Error(`closed (${this.closed.code} ${this.closed.reason}) waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitUntil(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(200, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    await this.waitUntil(() => this.closed !== null, 'the socket to close', timeoutMs);
    return this.closed!;
  }

  /** Stored voice messages received, by message id. */
  stored(): IvmFrame[] {
    return this.frames.filter((f) => f.action === 'post' && f.object?.live === false);
  }

  close(): void {
    this.socket.close();
  }

  terminate(): void {
    this.socket.terminate();
  }
}

/** Sends packets as frames of `stream` in real time (20 ms apart), or as fast as possible. */
export async function talk(
  client: IvmClient,
  stream: number,
  packets: Buffer[],
  { realtime = true, from = 0 }: { realtime?: boolean; from?: number } = {},
): Promise<void> {
  const start = Date.now();
  for (let i = 0; i < packets.length; i++) {
    client.socket.send(audioFrame(stream, from + i, packets[i]!));
    if (realtime) {
      const due = start + (i + 1) * 20;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
}
