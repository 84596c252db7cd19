import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { BusEvent } from '../../core/ports.js';
import type { IvmReceipt } from '../../core/ivm.js';
import type { Subscriber } from '../../core/subscriber.js';
import { newId } from '../../lib/ids.js';
import { isoNow } from '../../lib/time.js';
import type { Messenger, OpenPost, StoredView } from './messenger.js';
import { CLOSE, ConnectionState, DEFAULT_CONNECTION_LIMITS } from './protocol/connection-state.js';
import { decodeFrame, FRAME_HEADER_BYTES } from './protocol/frame.js';
import { wireFrame } from './protocol/wire-frame.js';
import {
  errorFrame,
  isFrameError,
  parseClientFrame,
  postObject,
  serverFrame,
  type ClientFrame,
  type ErrorCode,
  type SettableStatus,
} from './protocol/message-object.js';
import { noticeFrame } from './notice-frames.js';
import { Refusal } from './refusal.js';
import { topicOf } from './topics.js';

/** Most open posts per connection. */
const MAX_STREAMS = 2;
/** Waiting messages sent per query at connect. */
const BACKLOG_PAGE = 100;

/**
 * One device's WebSocket: the connect handshake, then frames handled one after another (a post
 * is open before its audio frames are read), heartbeats, limits, and the bus events for this
 * subscriber turned into frames. Nothing a client sends is thrown out of here.
 */
export class IvmConnection {
  readonly id = newId();
  private readonly state: ConnectionState;
  private readonly direct: boolean;
  private device: string | null = null;
  private address = '';
  /** Client stream number → open post. */
  private readonly posts = new Map<number, OpenPost>();
  /** Server stream ids this device listens to live. */
  private readonly listening = new Set<number>();
  /** Stored messages already sent on this socket (the backlog and the bus may both carry one). */
  private readonly sent = new Set<string>();
  private unsubscribe: (() => void) | null = null;
  /** Bus events held while the backlog is sent, so they come after it, in order. */
  private held: BusEvent[] | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Jobs in `chain` not yet done. */
  private queued = 0;
  private lastSeen = Date.now();
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly outOfOrderTold = new Map<number, number>();
  /** Streams the server ended at their time limit: the talker's late frames are let go quietly. */
  private readonly truncated = new Set<number>();
  private receiptCursor: string | null = null;
  private receiptFlush: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly me: Subscriber,
    /** The session token it opened with, checked again at every heartbeat. */
    private readonly token: string,
    private readonly messenger: Messenger,
    /** The TCP socket under the WebSocket, which live frames are written to directly. */
    private readonly raw: Socket,
  ) {
    // Without per-message compression ws writes every frame to the TCP socket at once, in
    // order, so frames written there directly keep their place among ws's own.
    this.direct = socket.extensions === '';
    const limits = messenger.deps.limits;
    this.state = new ConnectionState(
      {
        ...DEFAULT_CONNECTION_LIMITS,
        controlPerSecond: limits.controlPerSecond,
        audioFramesPerSecond: limits.audioFramesPerSecond,
      },
      Date.now(),
    );
    socket.on('message', (data, isBinary) => this.received(data as Buffer, isBinary));
    socket.on('pong', () => (this.lastSeen = Date.now()));
    socket.on('close', () => this.gone());
    socket.on('error', () => {});
    this.timers.push(
      setTimeout(() => {
        if (!this.state.connected) this.close(CLOSE.timeout, 'no connect in time');
      }, limits.connectTimeoutMs),
    );
    const period = limits.heartbeatSeconds * 1000;
    this.timers.push(
      setInterval(() => {
        if (Date.now() - this.lastSeen > 2 * period) this.close(CLOSE.timeout, 'missed heartbeat');
        else if (socket.readyState === socket.OPEN) socket.ping();
        void this.checkSession();
      }, period),
    );
    messenger.deps.observer.connections(1);
    messenger.track(this, true);
  }

  /**
   * A device signed out elsewhere, whose session expired, or whose account was deactivated
   * stops hearing anything: the socket is closed (4401) at the next heartbeat. Open posts are
   * finished as for any dropped connection (what was said before is kept).
   */
  private async checkSession(): Promise<void> {
    if (this.closed) return;
    const still = await this.messenger.deps.directory.authenticate(this.token).catch(() => this.me);
    if (still?.id === this.me.id) return;
    this.messenger.deps.log.info(
      { connection: this.id, subscriber: this.me.id },
      'voice messenger connection closed: the session ended',
    );
    this.close(CLOSE.signedOut, 'the session ended; sign in again');
  }

  /** The server is stopping: the socket is closed (1001) and open posts finished now. */
  async shutdown(): Promise<void> {
    this.close(CLOSE.goingAway, 'server shutting down');
    this.gone();
    await this.chain;
    // A peer that does not answer the close within a second is cut: the stop does not wait for it.
    if (this.socket.readyState !== this.socket.CLOSED)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.socket.terminate();
          resolve();
        }, 1000);
        this.socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
  }

  private get deps() {
    return this.messenger.deps;
  }

  private sendText(text: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
  }

  private error(code: ErrorCode | 'unavailable', message: string, id: string | null): void {
    this.sendText(errorFrame(code as ErrorCode, message, id));
    const verdict = this.state.error(Date.now());
    if (verdict.kind === 'close') this.close(verdict.code, verdict.reason);
  }

  private close(code: number, reason: string): void {
    if (
      this.socket.readyState === this.socket.OPEN ||
      this.socket.readyState === this.socket.CONNECTING
    )
      this.socket.close(code, reason);
  }

  private received(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    const now = Date.now();
    this.lastSeen = now;
    const verdict = isBinary ? this.state.audioFrame(now) : this.state.controlFrame(now);
    if (verdict.kind === 'close') return this.close(verdict.code, verdict.reason);
    if (verdict.kind === 'limited') {
      if (isBinary) this.deps.observer.framesDropped('rate-limited', 1);
      if (verdict.tell)
        this.sendText(
          errorFrame(
            'rate-limited',
            `more ${isBinary ? 'audio' : 'control'} frames than allowed a second`,
            null,
          ),
        );
      return;
    }
    // One after another: a post is open before the audio frames that follow it are read.
    if (isBinary && this.queued === 0) {
      // Nothing ahead of it (the usual case while talking): handled at once, without the two
      // promises a queued job costs, 50 times a second per talker.
      try {
        this.audio(data);
      } catch (err) {
        this.deps.log.error({ err, connection: this.id }, 'voice messenger frame failed');
      }
      return;
    }
    const job = isBinary ? () => this.audio(data) : () => this.text(data.toString('utf8'));
    this.enqueue(job);
  }

  /** Work for this connection, after what is queued; a failure is logged, never thrown. */
  private enqueue(job: () => unknown): void {
    this.queued++;
    this.chain = this.chain
      .then(async () => {
        await job();
      })
      .catch((err: unknown) => {
        this.deps.log.error({ err, connection: this.id }, 'voice messenger frame failed');
      })
      .finally(() => this.queued--);
  }

  private async text(text: string): Promise<void> {
    const parsed = parseClientFrame(text);
    if (isFrameError(parsed)) return this.error(parsed.code, parsed.message, parsed.id);
    const frame = parsed;
    if (!this.state.connected && frame.action !== 'connect')
      return this.error('not-connected', 'send connect first', frame.id);
    if (
      frame.source !== null &&
      frame.source.toLowerCase() !== this.address.toLowerCase() &&
      this.state.connected
    )
      return this.error('forbidden', `source must be your own address ${this.address}`, frame.id);
    try {
      await this.dispatch(frame);
    } catch (err) {
      if (err instanceof Refusal) return this.error(err.code, err.message, frame.id);
      this.deps.log.error({ err, action: frame.action }, 'voice messenger action failed');
      this.error('unavailable', 'the server could not do this now; try again', frame.id);
    }
  }

  private ack(id: string | null, object: unknown): void {
    this.sendText(serverFrame('ack', { id, object }));
  }

  private async dispatch(frame: ClientFrame): Promise<void> {
    const o = frame.object;
    switch (frame.action) {
      case 'connect':
        return this.connect(frame);
      case 'ping':
        return this.sendText(
          serverFrame('ping', { id: frame.id, object: { pong: true, time: isoNow() } }),
        );
      case 'status':
        this.messenger.presence.set(this.me.id, this.id, o.status as SettableStatus);
        return this.ack(frame.id, { status: o.status });
      case 'subscribe':
        return this.ack(frame.id, {
          contact: await this.messenger.contacts.subscribe(this.me, frame.destination[0]!),
        });
      case 'unsubscribe':
        return this.ack(frame.id, {
          contact: await this.messenger.contacts.unsubscribe(this.me, frame.destination[0]!),
        });
      case 'post':
        return this.post(frame);
      case 'control':
        return this.control(frame);
      case 'disconnect':
        return this.close(CLOSE.normal, 'disconnect');
    }
  }

  private async connect(frame: ClientFrame): Promise<void> {
    if (this.state.connected) throw new Refusal('invalid', 'already connected');
    const o = frame.object;
    const device = o.device as string;
    const after = (o.after as string | undefined) ?? null;
    const status = (o.status as SettableStatus | undefined) ?? 'available';
    this.address = this.messenger.contacts.address(this.me);
    const known = await this.deps.store.device(this.me.id, device);
    // A new device starts after the receipts already kept: they were for the devices before it.
    const receiptCursor = known
      ? known.receiptCursor
      : await this.deps.store.latestReceiptId(this.me.id);
    // A commit waits for the disk: a device seen before with nothing new to record costs none.
    const moves = !known || (after !== null && (known.cursor === null || after > known.cursor));
    if (moves)
      await this.deps.store.advanceDevice(
        this.me.id,
        device,
        { cursor: after, receiptCursor },
        isoNow(),
      );
    const cursor = moves
      ? ((await this.deps.store.device(this.me.id, device))?.cursor ?? null)
      : known.cursor;
    this.device = device;
    this.state.connected = true;
    this.held = [];
    this.unsubscribe = this.deps.bus.subscribe(topicOf(this.me.id), (event) => this.event(event));
    this.messenger.presence.join(this.me.id, this.id, status);
    const [contacts, groups, allowAnyone] = await Promise.all([
      this.messenger.contacts.list(this.me),
      this.messenger.contacts.groups(this.me),
      this.deps.store.allowAnyone(this.me.id),
    ]);
    const limits = this.deps.limits;
    this.sendText(
      serverFrame('connect', {
        id: frame.id,
        source: 'ivm:server',
        destination: this.address,
        object: {
          address: this.address,
          name: this.me.name,
          device,
          heartbeatSeconds: limits.heartbeatSeconds,
          status: this.messenger.presence.status(this.me.id).status,
          allowAnyone,
          limits: {
            maxFrameBytes: limits.maxFrameBytes,
            maxSeconds: limits.maxSeconds,
            controlPerSecond: limits.controlPerSecond,
            audioFramesPerSecond: limits.audioFramesPerSecond,
          },
          contacts,
          groups,
        },
      }),
    );
    await this.backlog(cursor, receiptCursor);
    const held = this.held;
    this.held = null;
    for (const event of held) this.event(event);
  }

  /** Messages waiting for this device, then receipts kept for it, in order. */
  private async backlog(cursor: string | null, receiptCursor: string | null): Promise<void> {
    let after = cursor;
    for (;;) {
      const copies = await this.deps.store.waiting(this.me.id, after, BACKLOG_PAGE);
      for (const copy of copies) {
        const view = await this.messenger.view(this.me.id, copy.messageId, copy);
        if (view) {
          const sender = await this.deps.directory.lookup(copy.senderId);
          this.sendStored(view, sender ? this.messenger.contacts.address(sender) : '');
        }
      }
      if (copies.length < BACKLOG_PAGE || after === null) break;
      after = copies.at(-1)!.messageId;
    }
    let receiptsAfter = receiptCursor;
    for (;;) {
      const receipts = await this.deps.store.receipts(this.me.id, receiptsAfter, BACKLOG_PAGE);
      for (const r of receipts) this.sendReceipt(r);
      if (receipts.length < BACKLOG_PAGE) break;
      receiptsAfter = receipts.at(-1)!.id;
    }
  }

  private sendStored(view: StoredView, source: string): void {
    if (this.sent.has(view.id)) return;
    this.sent.add(view.id);
    this.sendText(
      serverFrame('post', {
        id: view.id,
        source,
        destination: this.address,
        object: { live: false, message: view },
      }),
    );
  }

  private sendReceipt(r: IvmReceipt): void {
    // A closing socket takes nothing: the receipt waits for the device's next connection.
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.sendText(
      serverFrame('control', {
        source: r.recipient,
        destination: this.address,
        object: { command: 'receipt', message: r.clientId, state: r.state, at: r.at },
      }),
    );
    // The device's receipt cursor is written at most once a second (and when it goes): a receipt
    // sent twice after a crash is harmless, a commit per receipt is not.
    this.receiptCursor = r.id;
    this.receiptFlush ??= setTimeout(() => this.flushReceiptCursor(), 1000);
  }

  private flushReceiptCursor(): void {
    this.receiptFlush = null;
    if (this.receiptCursor === null) return;
    const receiptCursor = this.receiptCursor;
    this.receiptCursor = null;
    void this.deps.store
      .advanceDevice(this.me.id, this.device!, { receiptCursor }, isoNow())
      .catch((err: unknown) => this.deps.log.warn({ err }, 'receipt cursor not saved'));
  }

  /** A bus event for this subscriber, as frames to this device. */
  private event(event: BusEvent): void {
    if (this.closed) return;
    if (this.held && event.type !== 'frame' && event.type !== 'live' && event.type !== 'end') {
      this.held.push(event);
      return;
    }
    switch (event.type) {
      case 'frame':
        return this.frame(event.stream as number, event.frame as Buffer);
      case 'stored':
        return this.sendStored(event.view as StoredView, event.source as string);
      case 'receipt':
        return this.sendReceipt(event.receipt as IvmReceipt);
      case 'live':
        this.listening.add(event.stream as number);
        break;
      case 'end':
        if (!this.listening.delete(event.stream as number)) return;
        break;
      case 'played':
        if (event.origin === this.id) return;
        break;
    }
    const text = noticeFrame(event, this.address);
    if (text) this.sendText(text);
  }

  /**
   * A live frame: sent unless this listener is behind, then dropped for it alone. Written as
   * bytes framed once for all listeners: at thousands of frames a second the per-send work of
   * `ws.send` (a header, a cork, a writev) was a third of the relay's time.
   */
  private frame(stream: number, frame: Buffer): void {
    if (!this.listening.has(stream) || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.deps.limits.slowListenerBytes) {
      this.deps.observer.framesDropped('slow-listener', 1);
      return;
    }
    if (this.direct) this.raw.write(wireFrame(frame));
    else this.socket.send(frame);
    this.deps.observer.framesRelayed(1);
  }

  private async post(frame: ClientFrame): Promise<void> {
    const object = postObject(frame);
    const clientId = frame.id!;
    if ([...this.posts.values()].some((p) => p.clientId === clientId))
      throw new Refusal('invalid', `a post with id ${clientId} is already open`);
    await this.messenger.settled(this.me.id, clientId);
    const before = await this.messenger.storedBefore(this.me, clientId);
    if (before) return this.ack(clientId, before);
    if (this.posts.has(object.stream))
      throw new Refusal('invalid', `stream ${object.stream} is already open`);
    if (this.posts.size >= MAX_STREAMS)
      throw new Refusal('too-many-streams', `at most ${MAX_STREAMS} streams may be open`);
    const { post, ack } = await this.messenger.openPost(
      this.me,
      clientId,
      object,
      frame.destination,
    );
    if (this.closed) {
      await this.messenger.cancel(post);
      return;
    }
    this.posts.set(object.stream, post);
    this.truncated.delete(object.stream);
    this.ack(clientId, ack);
  }

  private audio(data: Buffer): void {
    if (!this.state.connected) return this.error('not-connected', 'send connect first', null);
    const frame = decodeFrame(data);
    if ('problem' in frame)
      return frame.problem === 'too-large'
        ? this.error(
            'too-large',
            `an audio frame is at most ${FRAME_HEADER_BYTES} + 1275 bytes`,
            null,
          )
        : this.error(
            'invalid',
            `a binary frame needs an 8-byte header and a packet (${frame.problem})`,
            null,
          );
    const post = this.posts.get(frame.stream);
    if (!post) {
      if (this.truncated.has(frame.stream)) return;
      return this.error('unknown-stream', `stream ${frame.stream} is not open`, null);
    }
    const outcome = post.recording.add(frame.sequence, frame.packet);
    if (outcome === 'out-of-order') {
      this.deps.observer.framesDropped('out-of-order', 1);
      const told = this.outOfOrderTold.get(frame.stream) ?? 0;
      if (Date.now() - told >= 1000) {
        this.outOfOrderTold.set(frame.stream, Date.now());
        this.error(
          'out-of-order',
          `frame ${frame.sequence} of stream ${frame.stream} is not newer than the last`,
          null,
        );
      }
      return;
    }
    if (outcome === 'full') {
      post.truncated = true;
      this.posts.delete(frame.stream);
      this.truncated.add(frame.stream);
      this.enqueue(() => this.end(post, null, frame.stream));
      return;
    }
    if (post.mode === 'intercom') {
      // Restamped with the server's stream id, which is what listeners know.
      const out = Buffer.from(data);
      out.writeUInt32BE(post.stream, 0);
      this.messenger.relay(post, out);
    }
  }

  private async control(frame: ClientFrame): Promise<void> {
    const o = frame.object;
    switch (o.command) {
      case 'end':
      case 'cancel': {
        const post = this.posts.get(o.stream as number);
        // Ended by the server at its time limit: the stored ack has gone or is on its way.
        if (!post && this.truncated.delete(o.stream as number)) return;
        if (!post) throw new Refusal('unknown-stream', `stream ${o.stream} is not open`);
        this.posts.delete(o.stream as number);
        if (o.command === 'cancel') {
          await this.messenger.cancel(post);
          return this.ack(frame.id, { state: 'cancelled', stream: o.stream });
        }
        return this.end(post, frame.id, o.stream as number);
      }
      case 'delivered':
        await this.messenger.delivered(this.me, this.device!, o.message as string);
        return this.ack(frame.id, { state: 'delivered', message: o.message });
      case 'played':
        await this.messenger.played(this.me, o.message as string, this.id);
        return this.ack(frame.id, { state: 'played', message: o.message });
      case 'contacts':
        return this.ack(frame.id, { contacts: await this.messenger.contacts.list(this.me) });
      case 'groups':
        return this.ack(frame.id, { groups: await this.messenger.contacts.groups(this.me) });
      case 'group':
        await this.messenger.contacts.setGroup(this.me, o.name as string, o.members as string[]);
        return this.ack(frame.id, { groups: await this.messenger.contacts.groups(this.me) });
      case 'settings':
        await this.deps.store.setAllowAnyone(this.me.id, o.allowAnyone as boolean, isoNow());
        return this.ack(frame.id, { allowAnyone: o.allowAnyone });
    }
  }

  /** Stores the post; the sender's `stored` ack carries the post's id. */
  private async end(post: OpenPost, frameId: string | null, stream: number): Promise<void> {
    try {
      const stored = await this.messenger.finish(post);
      this.ack(post.clientId, { ...stored, stream });
    } catch (err) {
      if (err instanceof Refusal)
        return this.error(err.code, err.message, frameId ?? post.clientId);
      throw err;
    }
  }

  /** The socket is gone: presence, subscriptions, and each open post finished or dropped. */
  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    if (this.receiptFlush) clearTimeout(this.receiptFlush);
    this.flushReceiptCursor();
    this.unsubscribe?.();
    if (this.state.connected) this.messenger.presence.leave(this.me.id, this.id);
    this.deps.observer.connections(-1);
    this.messenger.track(this, false);
    const posts = [...this.posts.values()];
    this.posts.clear();
    // After the frames already read: an intercom post keeps every frame that arrived.
    this.enqueue(async () => {
      for (const post of posts) {
        if (post.mode === 'intercom')
          await this.messenger
            .finish(post)
            .catch((err: unknown) =>
              this.deps.log.warn({ err, post: post.clientId }, 'cut-off voice message not stored'),
            );
        else
          await this.messenger
            .cancel(post)
            .catch((err: unknown) =>
              this.deps.log.warn({ err, post: post.clientId }, 'cut-off recording not removed'),
            );
      }
    });
  }
}
