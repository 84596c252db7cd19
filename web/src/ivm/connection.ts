import { readAudioFrame, newId, type IvmFrame, type OwnStatus, type Session } from './frames';

const DEVICE_KEY = 'switchboard.ivm.device';
const CURSOR_KEY = 'switchboard.ivm.after.';
/** Reconnect waits: quick at first (a blip), then backing off so a down server is not hammered. */
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
/** The close code of a socket whose session ended (docs/ivm-protocol.md). */
const SESSION_ENDED = 4401;

/** `signed-out`: the server ended the socket because the session ended (4401); no retries. */
export type LinkState = 'connecting' | 'online' | 'offline' | 'signed-out';

export interface ConnectionEvents {
  /** The server accepted `connect`: a fresh session, after every (re)connection. */
  session(session: Session): void;
  /** Any frame the server sends of its own accord (status, subscribe, post, control, …). */
  frame(frame: IvmFrame): void;
  audio(stream: number, sequence: number, packet: Uint8Array): void;
  state(state: LinkState): void;
}

/** A refusal from the server (`error` object), or the link going down before an answer. */
export class IvmError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** This browser's device name: random once, kept, so the server resumes where it left off. */
export function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = `web-${newId().slice(0, 13)}`;
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

/**
 * One WebSocket to `/api/v1/ivm` that stays up: it reconnects with backoff and resumes with the
 * same device and the newest message seen (`after`), pings every heartbeat and treats silence for
 * two periods as a dead link. Text frames are paced under the server's control rate so a burst
 * (acknowledging a backlog) is not refused.
 */
export class IvmConnection {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastHeard = 0;
  private stopped = false;
  private readonly waiting = new Map<string, (frame: IvmFrame) => void>();
  private readonly outgoing: IvmFrame[] = [];
  private pacer: ReturnType<typeof setTimeout> | undefined;
  private sentTimes: number[] = [];
  private streamCounter = 0;
  session: Session | null = null;
  state: LinkState = 'offline';

  constructor(
    /** Whose cursor this is: the signed-in subscriber's id (one browser may serve several). */
    private readonly owner: string,
    private readonly token: () => string | null,
    private readonly events: ConnectionEvents,
    private readonly status: () => OwnStatus,
  ) {}

  start(): void {
    this.stopped = false;
    addEventListener('online', this.reconnectNow);
    this.open();
  }

  /** Says goodbye (`disconnect`) so presence turns offline at once, and stays down. */
  stop(): void {
    this.stopped = true;
    removeEventListener('online', this.reconnectNow);
    clearTimeout(this.retry);
    const socket = this.socket;
    if (socket?.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ action: 'disconnect', id: newId(), object: {} }));
      socket.close(1000);
    }
    this.drop();
  }

  get online(): boolean {
    return this.state === 'online';
  }

  /** The stream number for a new `post` on this connection (1–2³²−1). */
  nextStream(): number {
    this.streamCounter = (this.streamCounter % 0xffffffff) + 1;
    return this.streamCounter;
  }

  /** Remembers the newest message this device has seen, for `after` on the next connect. */
  seen(messageId: string): void {
    // The server sends stored messages in order, so the last one pushed is the newest seen.
    localStorage.setItem(this.cursorKey(), messageId);
  }

  /** Queues a text frame; false when the link is down (the caller decides whether to keep it). */
  send(frame: IvmFrame): boolean {
    if (!this.online) return false;
    this.outgoing.push(frame);
    this.pump();
    return true;
  }

  /**
   * Sends a frame with a fresh id and calls `onAnswer` for every `ack`/`error`/answer with that id
   * until it returns true (a `post` gets `open`, then `stored`). Rejects at once when offline.
   */
  request(frame: IvmFrame, onAnswer?: (answer: IvmFrame) => boolean): Promise<IvmFrame> {
    const id = frame.id ?? newId();
    return new Promise((resolve, reject) => {
      if (!this.online) {
        reject(new IvmError('offline', 'not connected'));
        return;
      }
      this.waiting.set(id, (answer) => {
        if (answer.action === 'error') {
          this.waiting.delete(id);
          const o = answer.object ?? {};
          reject(new IvmError(String(o.code ?? 'error'), String(o.message ?? '')));
          return;
        }
        if (!onAnswer || onAnswer(answer)) {
          this.waiting.delete(id);
          resolve(answer);
        }
      });
      this.send({ ...frame, id });
    });
  }

  /** Stops waiting for answers to `id` (a post given up on). */
  forget(id: string): void {
    this.waiting.delete(id);
  }

  /** Live audio goes out at once: it must not queue behind control frames. */
  sendAudio(frame: ArrayBuffer): boolean {
    if (!this.online || this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(frame);
    return true;
  }

  /** Bytes the socket has not sent yet: senders of recordings wait while it is high. */
  backlog(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  private cursorKey(): string {
    return CURSOR_KEY + this.owner;
  }

  private readonly reconnectNow = () => {
    if (this.stopped || this.socket) return;
    clearTimeout(this.retry);
    this.attempt = 0;
    this.open();
  };

  private open(): void {
    const token = this.token();
    if (!token || this.stopped) return;
    this.setState('connecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(
      `${scheme}://${location.host}/api/v1/ivm?token=${encodeURIComponent(token)}`,
    );
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      this.lastHeard = Date.now();
      const after = localStorage.getItem(this.cursorKey());
      // `connect` goes straight out: the pacer only runs once the session is up.
      socket.send(
        JSON.stringify({
          action: 'connect',
          id: newId(),
          object: { device: deviceId(), status: this.status(), ...(after ? { after } : {}) },
        }),
      );
    };
    socket.onmessage = (e: MessageEvent<ArrayBuffer | string>) => {
      this.lastHeard = Date.now();
      if (typeof e.data !== 'string') {
        const audio = readAudioFrame(e.data);
        if (audio) this.events.audio(audio.stream, audio.sequence, audio.packet);
        return;
      }
      let frame: IvmFrame;
      try {
        frame = JSON.parse(e.data) as IvmFrame;
      } catch {
        return;
      }
      this.receive(frame);
    };
    socket.onclose = (e: CloseEvent) => {
      if (this.socket !== socket) return;
      if (e.code !== SESSION_ENDED) return this.lost();
      // Retrying with a token the server has dropped would only be refused again.
      this.drop();
      this.stopped = true;
      this.setState('signed-out');
    };
  }

  /** The link is gone: answer what waited with `offline`, and try again after a while. */
  private lost(): void {
    this.drop();
    if (this.stopped) return;
    const wait = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!;
    this.attempt++;
    this.retry = setTimeout(() => this.open(), wait * (0.8 + Math.random() * 0.4));
  }

  private receive(frame: IvmFrame): void {
    if (frame.action === 'connect' && frame.object) {
      this.session = frame.object as unknown as Session;
      this.attempt = 0;
      this.startHeartbeat(this.session.heartbeatSeconds || 25);
      this.setState('online');
      this.events.session(this.session);
      return;
    }
    const id = frame.id;
    if (id && (frame.action === 'ack' || frame.action === 'error' || frame.action === 'control')) {
      const handler = this.waiting.get(id);
      if (handler) {
        handler(frame);
        return;
      }
    }
    if (frame.action === 'ack' || frame.action === 'ping') return;
    this.events.frame(frame);
  }

  private startHeartbeat(seconds: number): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      // Browsers answer the server's pings but cannot see them; our own ping proves the link.
      if (Date.now() - this.lastHeard > 2 * seconds * 1000 + 5000) {
        this.lost();
        return;
      }
      this.send({ action: 'ping', id: newId(), object: {} });
    }, seconds * 1000);
  }

  /** Sends queued text frames no faster than the server's `controlPerSecond`. */
  private pump(): void {
    if (this.pacer) return;
    const rate = this.session?.limits?.controlPerSecond ?? 20;
    const now = Date.now();
    this.sentTimes = this.sentTimes.filter((t) => now - t < 1000);
    // A closing socket: the frames wait for drop(), which answers their senders.
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    while (this.outgoing.length && this.sentTimes.length < rate) {
      this.socket.send(JSON.stringify(this.outgoing.shift()!));
      this.sentTimes.push(now);
    }
    if (this.outgoing.length) {
      this.pacer = setTimeout(
        () => {
          this.pacer = undefined;
          this.pump();
        },
        1000 - (now - this.sentTimes[0]!),
      );
    }
  }

  private drop(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.pacer);
    this.pacer = undefined;
    this.outgoing.length = 0;
    this.streamCounter = 0;
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.onmessage = null;
      if (this.socket.readyState <= WebSocket.OPEN) this.socket.close();
    }
    this.socket = null;
    for (const handler of this.waiting.values())
      handler({ action: 'error', object: { code: 'offline', message: 'connection lost' } });
    this.waiting.clear();
    this.setState('offline');
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    this.events.state(state);
  }
}
