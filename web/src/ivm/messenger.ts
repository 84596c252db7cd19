import { savedToken, toUri } from '../api';
import { IvmConnection, IvmError, type LinkState } from './connection';
import type { Contact, Group, IvmFrame, OwnStatus, Presence, Session, StoredVoice } from './frames';
import { Outbox, type Attachment, type SendMode, type SentPatch, type Talk } from './outbox';
import { chime, LivePlayer, playbackSupported } from './playback';
import { fromPush, mailboxHistory, mergeReceived, treatedPatch, type Received } from './received';
import { applyReceipt, loadSent, patchSent, saveSent, type Receipt, type Sent } from './sent-log';

export type { Received, Sent, Receipt };

/** A stream playing now. `frames` counts what arrived of it (shown to tests as an attribute). */
export interface Live {
  stream: number;
  /** The live post's id: the sender's post id (the stored message's `clientId`). */
  messageId: string | null;
  from: string;
  name: string;
  frames: number;
  /** Of those, decoded and scheduled to play. */
  decoded: number;
  ended: boolean;
}

/** Something to tell the user: a code the screen puts into words, with its details. */
export interface Notice {
  kind: 'message' | 'request' | 'problem';
  code: string;
  vars: Record<string, string>;
  at: number;
}

export interface MessengerState {
  link: LinkState;
  session: Session | null;
  status: OwnStatus;
  contacts: Contact[];
  groups: Group[];
  received: Received[];
  sent: Sent[];
  live: Live[];
  notice: Notice | null;
  allowAnyone: boolean;
}

/**
 * The messenger of the signed-in subscriber: one connection, kept while the app is open, and
 * the state the screen draws (contacts with presence, groups, messages both ways, live streams).
 */
export class Messenger {
  private readonly connection: IvmConnection;
  private readonly outbox: Outbox;
  private readonly players = new Map<number, LivePlayer>();
  private readonly listeners = new Set<() => void>();
  private readonly unsentPlayed = new Set<string>();
  private rang = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  state: MessengerState;

  constructor(readonly owner: string) {
    this.state = {
      link: 'offline',
      session: null,
      status: 'available',
      contacts: [],
      groups: [],
      received: [],
      sent: loadSent(owner),
      live: [],
      notice: null,
      allowAnyone: false,
    };
    this.connection = new IvmConnection(
      owner,
      savedToken,
      {
        session: (s) => this.onSession(s),
        frame: (f) => this.onFrame(f),
        audio: (stream, sequence, packet) => this.onAudio(stream, sequence, packet),
        state: (link) => this.set({ link }),
      },
      () => this.state.status,
    );
    this.outbox = new Outbox(this.connection, (id, patch) => this.patchSent(id, patch));
    this.connection.start();
    void this.loadHistory();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.connection.stop();
    for (const p of this.players.values()) p.end();
    this.players.clear();
  }

  // ---- actions ----

  async addContact(typed: string): Promise<void> {
    const address = typed.trim();
    if (!address) return;
    await this.ask(
      { action: 'subscribe', destination: /^[a-z]+:/i.test(address) ? address : toUri(address) },
      (ack) => this.mergeContact((ack.object?.contact as Contact | undefined) ?? null),
      { address },
    );
  }

  async accept(address: string): Promise<void> {
    await this.ask({ action: 'subscribe', destination: address }, (ack) =>
      this.mergeContact(
        (ack.object?.contact as Contact | undefined) ?? {
          ...this.contact(address)!,
          state: 'accepted',
        },
      ),
    );
  }

  /** Declines a request, withdraws one, or removes a contact: the same frame. */
  async remove(address: string): Promise<void> {
    await this.ask({ action: 'unsubscribe', destination: address }, () =>
      this.set({ contacts: this.state.contacts.filter((c) => c.address !== address) }),
    );
  }

  async setStatus(status: OwnStatus): Promise<void> {
    this.set({ status });
    await this.ask({ action: 'status', object: { status } }, () => undefined);
  }

  async setAllowAnyone(allowAnyone: boolean): Promise<void> {
    await this.ask({ action: 'control', object: { command: 'settings', allowAnyone } }, () =>
      this.set({ allowAnyone }),
    );
  }

  /** Creates or replaces a group; no members deletes it. */
  async saveGroup(name: string, members: string[]): Promise<void> {
    await this.ask({ action: 'control', object: { command: 'group', name, members } }, () => {
      const others = this.state.groups.filter((g) => g.name !== name);
      this.set({ groups: members.length ? [...others, { name, members }] : others });
    });
  }

  markPlayed(id: string): void {
    const message = this.state.received.find((m) => m.id === id);
    if (!message || message.played) return;
    this.setReceived(id, { played: true });
    this.unsentPlayed.add(id);
    this.sendPlayed();
  }

  /** Played marks made offline go when the link is back: the sender and other devices learn. */
  private sendPlayed(): void {
    for (const id of this.unsentPlayed) {
      const sent = this.connection.send({
        action: 'control',
        id: crypto.randomUUID(),
        object: { command: 'played', message: id },
      });
      if (!sent) return;
      this.unsentPlayed.delete(id);
    }
  }

  talk(destination: string[], mode: SendMode): Talk {
    return this.outbox.begin(destination, mode);
  }

  sendRecording(destination: string[], packets: Uint8Array[], attachments: Attachment[]): void {
    this.outbox.send(destination, packets, attachments);
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  problem(code: string, vars: Record<string, string> = {}): void {
    this.set({ notice: { kind: 'problem', code, vars, at: Date.now() } });
  }

  /** Is anyone this destination names online now (a contact, or a group's members)? */
  anyoneOnline(destination: string[]): boolean {
    const addresses = destination.flatMap((d) =>
      d.startsWith('group:')
        ? (this.state.groups.find((g) => `group:${g.name}` === d)?.members ?? [])
        : [d],
    );
    return addresses.some((a) => (this.contact(a)?.status ?? 'offline') !== 'offline');
  }

  contact(address: string): Contact | undefined {
    return this.state.contacts.find((c) => c.address === address);
  }

  // ---- incoming ----

  private onSession(session: Session): void {
    this.set({
      session,
      status: session.status ?? this.state.status,
      contacts: session.contacts ?? [],
      groups: session.groups ?? [],
      allowAnyone: !!session.allowAnyone,
    });
    this.outbox.resume();
    this.sendPlayed();
  }

  private onFrame(frame: IvmFrame): void {
    const o = frame.object ?? {};
    const source = frame.source ?? '';
    switch (frame.action) {
      case 'status':
        this.patchContact(source, { status: o.status as Presence });
        break;
      case 'subscribe':
        if (o.state === 'incoming') {
          this.mergeContact({
            address: source,
            name: String(o.name ?? ''),
            state: 'incoming',
            status: 'offline',
          });
          this.notify('request', 'request', { name: String(o.name || source) });
        } else {
          this.mergeContact({
            address: source,
            name: String(o.name ?? this.contact(source)?.name ?? ''),
            state: 'accepted',
            status: (o.status as Presence | undefined) ?? 'offline',
          });
        }
        break;
      case 'unsubscribe':
        this.set({ contacts: this.state.contacts.filter((c) => c.address !== source) });
        break;
      case 'post':
        if (o.live === true) this.onLive(frame);
        else if (o.message) this.onStored(frame);
        break;
      case 'control':
        this.onControl(source, o);
        break;
      case 'error':
        this.problem(String(o.code ?? 'error'), { detail: String(o.message ?? '') });
        break;
    }
  }

  private onLive(frame: IvmFrame): void {
    const o = frame.object ?? {};
    const stream = Number(o.stream);
    const from = frame.source ?? '';
    const name = String(o.name || this.contact(from)?.name || from);
    if (playbackSupported())
      this.players.set(
        stream,
        new LivePlayer(() => {
          const live = this.state.live.find((l) => l.stream === stream);
          if (live) live.decoded++;
          this.changed(true);
        }),
      );
    this.set({
      live: [
        ...this.state.live.filter((l) => l.stream !== stream),
        { stream, messageId: frame.id ?? null, from, name, frames: 0, decoded: 0, ended: false },
      ],
    });
    // The live line is the visual notice here; the chime says it to those looking elsewhere.
    this.ring();
  }

  private onAudio(stream: number, sequence: number, packet: Uint8Array): void {
    this.players.get(stream)?.push(sequence, packet);
    const live = this.state.live.find((l) => l.stream === stream);
    if (!live) return;
    live.frames++;
    this.changed(true);
  }

  private onStored(frame: IvmFrame): void {
    const m = (frame.object ?? {}).message as StoredVoice;
    const from = frame.source ?? '';
    this.connection.seen(m.id);
    this.connection.send({
      action: 'control',
      id: crypto.randomUUID(),
      object: { command: 'delivered', message: m.id },
    });
    // The live stream it came from (same id, or ended by the same sender) makes way for it.
    // (the live post carries the sender's post id, which the stored message keeps as clientId).
    const live = this.state.live.filter(
      (l) =>
        l.messageId !== frame.id &&
        l.messageId !== m.id &&
        (!m.clientId || l.messageId !== m.clientId) &&
        !(l.ended && l.from === from),
    );
    if (this.state.received.some((r) => r.id === m.id)) {
      this.set({ live });
      return;
    }
    const name = String((frame.object ?? {}).name || this.contact(from)?.name || '') || null;
    const received = fromPush(m, from, name);
    this.set({ live, received: mergeReceived(this.state.received, [received]) });
    if (!received.played) this.notify('message', 'stored', { name: name ?? from });
  }

  private onControl(source: string, o: Record<string, unknown>): void {
    const command = o.command;
    if (command === 'end') {
      const stream = Number(o.stream);
      this.players.get(stream)?.end();
      this.players.delete(stream);
      this.set({
        live: this.state.live.map((l) => (l.stream === stream ? { ...l, ended: true } : l)),
      });
      // The stored message normally replaces it; if that is slow, the ended stream still goes.
      setTimeout(
        () => this.set({ live: this.state.live.filter((l) => !(l.stream === stream && l.ended)) }),
        15_000,
      );
    } else if (command === 'played') {
      this.setReceived(String(o.message), { played: true });
    } else if (command === 'treated') {
      // The same message, treated: played and drawn from now on; not a new delivery.
      const patch = treatedPatch(o);
      if (patch) this.setReceived(String(o.message), patch);
    } else if (command === 'receipt') {
      const sent = applyReceipt(this.state.sent, String(o.message), source, o.state as Receipt);
      if (sent === this.state.sent) return;
      this.set({ sent });
      saveSent(this.owner, sent);
    }
  }

  // ---- state ----

  /** Runs a request and puts a refusal into words for the user. */
  private async ask(
    frame: IvmFrame,
    onAck: (ack: IvmFrame) => void,
    vars: Record<string, string> = {},
  ): Promise<void> {
    try {
      onAck(await this.connection.request(frame));
    } catch (err) {
      const code = err instanceof IvmError ? err.code : 'error';
      this.problem(code, { ...vars, detail: (err as Error).message });
    }
  }

  private notify(kind: Notice['kind'], code: string, vars: Record<string, string>): void {
    this.set({ notice: { kind, code, vars, at: Date.now() } });
    if (kind !== 'problem') this.ring();
  }

  /** One chime for a burst (the backlog at connect), not one per message. */
  private ring(): void {
    if (Date.now() - this.rang < 1500) return;
    this.rang = Date.now();
    try {
      chime();
    } catch {
      /* no sound device: the visual notice is enough */
    }
  }

  private mergeContact(contact: Contact | null): void {
    if (!contact?.address) return;
    const others = this.state.contacts.filter((c) => c.address !== contact.address);
    const old = this.contact(contact.address);
    this.set({
      contacts: [
        ...others,
        { ...old, ...contact, status: contact.status ?? old?.status ?? 'offline' },
      ],
    });
  }

  private patchContact(address: string, patch: Partial<Contact>): void {
    this.set({
      contacts: this.state.contacts.map((c) => (c.address === address ? { ...c, ...patch } : c)),
    });
  }

  private setReceived(id: string, patch: Partial<Received>): void {
    this.set({
      received: this.state.received.map((r) => (r.id === id ? { ...r, ...patch } : r)),
    });
  }

  private patchSent(id: string, patch: SentPatch): void {
    const isNew = !this.state.sent.some((s) => s.id === id);
    const sent = patchSent(this.state.sent, id, patch);
    this.set({ sent });
    saveSent(this.owner, sent);
    if (patch.refused?.length)
      this.problem('refused', {
        list: patch.refused.map((r) => r.address.replace(/^ivm:/, '')).join(', '),
      });
    if (patch.state === 'queued' && isNew) this.problem('queued');
  }

  /** Earlier messages from the mailbox, so the list is whole after a reload. */
  private async loadHistory(): Promise<void> {
    try {
      const older = await mailboxHistory();
      this.set({ received: mergeReceived(this.state.received, older) });
    } catch {
      /* the list still fills from the connection */
    }
  }

  private set(patch: Partial<MessengerState>): void {
    this.state = { ...this.state, ...patch };
    this.changed(false);
  }

  /** Tells the screen; audio frames (50 a second) are batched into a few redraws. */
  private changed(batched: boolean): void {
    if (!batched) {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.state.live.length) this.state = { ...this.state, live: [...this.state.live] };
      for (const l of this.listeners) l();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.state = { ...this.state, live: this.state.live.map((l) => ({ ...l })) };
      for (const l of this.listeners) l();
    }, 50);
  }
}

let current: Messenger | null = null;

/** The app's one messenger, started on first use and kept while the subscriber is signed in. */
export function messengerFor(owner: string): Messenger {
  if (current && current.owner !== owner) closeMessenger();
  current ??= new Messenger(owner);
  return current;
}

export function closeMessenger(): void {
  current?.close();
  current = null;
}
