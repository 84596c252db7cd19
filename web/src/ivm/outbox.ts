import { IvmError, type IvmConnection } from './connection';
import { audioFrame, newId } from './frames';

export type SendMode = 'intercom' | 'record';

export interface Attachment {
  filename: string;
  contentType: string;
  /** Base64, as the protocol carries it. */
  content: string;
}

/** What the sender sees of a message on its way and after (the ticks come from receipts). */
export interface SentPatch {
  /** `cancelled`: the user dropped it; it leaves the list. */
  state?: 'queued' | 'sending' | 'stored' | 'failed' | 'cancelled';
  to?: string[];
  refused?: Array<{ address: string; reason: string }>;
  durationMs?: number | null;
  error?: string | null;
}

interface Item {
  id: string;
  destination: string[];
  mode: SendMode;
  attachments: Attachment[];
  packets: Uint8Array[];
  /** Still talking: more packets will come (intercom). */
  capturing: boolean;
  stream: number | null;
  opened: boolean;
  /** Packets already on the wire for the open stream. */
  sent: number;
  inFlight: boolean;
  /** Dropped by the user before the server opened it. */
  cancelled?: boolean;
}

/** Codes that will not change by trying again: the message is given up and the user told why. */
const FINAL = new Set(['forbidden', 'not-a-contact', 'unknown', 'too-large', 'invalid']);
const BACKLOG_BYTES = 64 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mapRefused(value: unknown): Array<{ address: string; reason: string }> {
  if (Array.isArray(value))
    return value.map(
      (r: { address?: string; destination?: string; reason?: string; code?: string }) => ({
        address: String(r.address ?? r.destination ?? ''),
        reason: String(r.reason ?? r.code ?? 'not-a-contact'),
      }),
    );
  if (value && typeof value === 'object')
    return Object.entries(value).map(([address, reason]) => ({ address, reason: String(reason) }));
  return [];
}

/**
 * Voice messages on their way out. Each has the id the user's device made (a UUID), so sending it
 * again after a dropped link is safe: the server answers with the first one's `stored` ack.
 * While the link is down messages wait here, and go out in order when it is back; a live
 * (intercom) message cut off is sent again whole as a recording.
 */
export class Outbox {
  private readonly items: Item[] = [];
  /** Bumped on every new session: uploads of an older connection stop. */
  private epoch = 0;

  constructor(
    private readonly connection: IvmConnection,
    private readonly update: (id: string, patch: SentPatch) => void,
  ) {}

  /** Starts a message that grows while the user talks; live at once when the mode says so. */
  begin(destination: string[], mode: SendMode): Talk {
    const item: Item = {
      id: newId(),
      destination,
      mode,
      attachments: [],
      packets: [],
      capturing: true,
      stream: null,
      opened: false,
      sent: 0,
      inFlight: false,
    };
    this.items.push(item);
    this.update(item.id, { state: this.connection.online ? 'sending' : 'queued', to: destination });
    if (mode === 'intercom' && this.connection.online) this.open(item);
    return {
      id: item.id,
      push: (packet) => {
        item.packets.push(packet);
        if (item.opened && item.capturing && item.mode === 'intercom') this.feedLive(item);
      },
      finish: () => {
        // Released before a single packet: nothing to store, so nothing is sent.
        if (item.packets.length === 0) {
          this.cancel(item);
          return;
        }
        item.capturing = false;
        if (item.mode === 'intercom' && item.opened && item.stream !== null) this.end(item);
        else this.flush();
      },
      cancel: () => this.cancel(item),
    };
  }

  /** A finished recording (record mode, after review), with its files. */
  send(destination: string[], packets: Uint8Array[], attachments: Attachment[]): string {
    const item: Item = {
      id: newId(),
      destination,
      mode: 'record',
      attachments,
      packets,
      capturing: false,
      stream: null,
      opened: false,
      sent: 0,
      inFlight: false,
    };
    this.items.push(item);
    this.update(item.id, { state: this.connection.online ? 'sending' : 'queued', to: destination });
    this.flush();
    return item.id;
  }

  /** A new session: whatever waited goes out now. */
  resume(): void {
    this.epoch++;
    for (const item of this.items) {
      item.inFlight = false;
      item.opened = false;
    }
    this.flush();
  }

  /** Messages not yet stored by the server. */
  pending(): number {
    return this.items.length;
  }

  private flush(): void {
    if (!this.connection.online) {
      for (const item of this.items) if (!item.inFlight) this.update(item.id, { state: 'queued' });
      return;
    }
    for (const item of this.items) if (!item.capturing && !item.inFlight) this.open(item);
  }

  private open(item: Item): void {
    const epoch = this.epoch;
    // A live message whose stream was lost goes again as a recording: the moment has passed.
    const mode: SendMode = item.capturing ? item.mode : 'record';
    item.inFlight = true;
    item.opened = false;
    item.sent = 0;
    item.stream = this.connection.nextStream();
    const stream = item.stream;
    this.update(item.id, { state: 'sending' });
    this.connection
      .request(
        {
          action: 'post',
          id: item.id,
          destination: item.destination,
          object: {
            mode,
            stream,
            codec: 'opus',
            sampleRate: 48000,
            channels: 1,
            frameMs: 20,
            ...(item.attachments.length ? { attachments: item.attachments } : {}),
          },
        },
        (answer) => {
          const o = answer.object ?? {};
          if (o.state === 'open') {
            item.opened = true;
            if (item.cancelled) {
              this.sendCancel(item);
              return true;
            }
            this.update(item.id, {
              ...(Array.isArray(o.recipients) ? { to: o.recipients.map(String) } : {}),
              refused: mapRefused(o.refused),
            });
            if (item.capturing) this.feedLive(item);
            else void this.upload(item, stream, epoch);
            return false;
          }
          if (o.state === 'stored') {
            this.done(item);
            this.update(item.id, {
              state: 'stored',
              durationMs: typeof o.durationMs === 'number' ? o.durationMs : null,
              // Longer than the server's limit: stored as far as it went.
              error: o.truncated ? 'truncated' : null,
            });
            return true;
          }
          return false;
        },
      )
      .catch((err: unknown) => {
        if (epoch !== this.epoch || item.cancelled) return;
        item.inFlight = false;
        item.opened = false;
        const code = err instanceof IvmError ? err.code : 'error';
        // The first attempt is still being stored (a live stream cut off is finalised by the
        // server). This server waits and answers `stored`; one that refuses "already open"
        // has not refused the message, so ask again shortly and get its `stored` ack.
        const stillOpen = code === 'invalid' && /already open/i.test((err as Error).message);
        if (code === 'offline') {
          this.update(item.id, { state: 'queued' });
        } else if (FINAL.has(code) && !stillOpen) {
          this.done(item);
          this.update(item.id, { state: 'failed', error: code });
        } else {
          if (!stillOpen) this.update(item.id, { error: code });
          setTimeout(() => this.flush(), stillOpen ? 1000 : 3000);
        }
      });
  }

  private feedLive(item: Item): void {
    if (item.stream === null) return;
    while (item.sent < item.packets.length) {
      if (!this.connection.sendAudio(audioFrame(item.stream, item.sent, item.packets[item.sent]!)))
        return;
      item.sent++;
    }
  }

  /** A recording goes out as fast as the server's audio rate allows, then `end`. */
  private async upload(item: Item, stream: number, epoch: number): Promise<void> {
    const rate = Math.max(10, (this.connection.session?.limits?.audioFramesPerSecond ?? 100) * 0.9);
    const batch = Math.max(1, Math.floor(rate / 10));
    while (item.sent < item.packets.length) {
      if (epoch !== this.epoch || !item.opened) return;
      for (let i = 0; i < batch && item.sent < item.packets.length; i++) {
        if (!this.connection.sendAudio(audioFrame(stream, item.sent, item.packets[item.sent]!)))
          return;
        item.sent++;
      }
      await sleep(100);
      while (this.connection.backlog() > BACKLOG_BYTES) await sleep(20);
    }
    if (epoch === this.epoch && item.opened) this.end(item);
  }

  private end(item: Item): void {
    this.feedLive(item);
    this.connection.send({
      action: 'control',
      id: newId(),
      object: { command: 'end', stream: item.stream },
    });
  }

  private cancel(item: Item): void {
    this.done(item);
    this.update(item.id, { state: 'cancelled' });
    // A post still waiting for its `open` is cancelled when that comes (see open()).
    if (item.inFlight && !item.opened) {
      item.cancelled = true;
      return;
    }
    if (item.opened) this.sendCancel(item);
    this.connection.forget(item.id);
  }

  private sendCancel(item: Item): void {
    if (item.stream === null) return;
    this.connection.send({
      action: 'control',
      id: newId(),
      object: { command: 'cancel', stream: item.stream },
    });
  }

  private done(item: Item): void {
    const i = this.items.indexOf(item);
    if (i >= 0) this.items.splice(i, 1);
  }
}

export interface Talk {
  id: string;
  push(packet: Uint8Array): void;
  finish(): void;
  cancel(): void;
}
