import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IvmCopy } from '../../core/ivm.js';
import type { Part } from '../../core/message.js';
import type { Subscriber } from '../../core/subscriber.js';
import { SwitchboardError } from '../../core/errors.js';
import { READ_TOPIC } from '../../core/mailbox.js';
import { newId } from '../../lib/ids.js';
import { isoNow } from '../../lib/time.js';
import { mailboxAddress, subscriberAt } from './addresses.js';
import { Contacts } from './contacts.js';
import type { IvmDeps } from './ivm-deps.js';
import { Presence } from './presence.js';
import type { PostObject, PresenceStatus } from './protocol/message-object.js';
import { PRE_SKIP, readOggPackets } from './protocol/ogg-opus.js';
import { Recording } from './recording.js';
import { Refusal } from './refusal.js';
import { topicOf } from './topics.js';

export interface Recipient {
  subscriber: Subscriber;
  /** Its messenger address. */
  address: string;
}

/** A post being recorded: who sent it to whom, and its spool. */
export interface OpenPost {
  /** The server's stream id, which listeners see. */
  stream: number;
  clientId: string;
  sender: Subscriber;
  senderAddress: string;
  mode: 'intercom' | 'record';
  recipients: Recipient[];
  /** Recipients played to live (online when the post opened). */
  listeners: string[];
  /** Their bus topics, made once rather than for every frame. */
  listenerTopics: string[];
  subject: string | null;
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>;
  recording: Recording;
  truncated: boolean;
}

export interface StoredAck {
  state: 'stored';
  messages: Record<string, string>;
  durationMs: number;
  truncated?: boolean;
}

/** How a recording is stored: the packets as sent in Ogg, and the treated rendition alike. */
const STORED_TYPE = 'audio/ogg;codecs=opus';

/** The converter name of the treated rendition (denoised, loudness-normalised) of a voice message. */
export const TREATMENT = 'voice-treatment';

/** A stored copy of a post: whose mailbox, which message (recipients' and the sender's sent copy). */
interface StoredCopy {
  mailboxId: string;
  messageId: string;
  /** The recipient told of the treated audio; null for the sender's sent copy. */
  recipient: Recipient | null;
}

/** The original audio part of a voice message, and its treated rendition when there is one. */
function audioParts(parts: Part[]): { original: Part | undefined; treated: Part | undefined } {
  const original = parts.find((p) => p.contentType.startsWith('audio/') && p.derivedFrom === null);
  const treated = original
    ? parts.find((p) => p.derivedFrom === original.index && p.converter === TREATMENT)
    : undefined;
  return { original, treated };
}

/** What a recipient's device is shown for a stored voice message. */
export interface StoredView {
  id: string;
  type: 'ivm';
  receivedAt: string;
  durationMs: number | null;
  waveform: number[];
  subject: string | null;
  played: boolean;
  audio: string;
  attachments: Array<{
    index: number;
    filename: string | null;
    contentType: string;
    size: number;
    url: string;
  }>;
  clientId: string;
}

/**
 * The voice messenger of one node: presence, contacts, posts from open to stored, receipts and
 * played marks. Everything that must reach another subscriber's devices goes over the bus
 * (topic per subscriber), so that the scale-out bus can carry it between nodes.
 */
export class Messenger {
  readonly presence: Presence;
  readonly contacts: Contacts;
  private nextStream = 1;
  /** Posts open on this node, by sender id and client id: a post sent twice at once is refused. */
  private readonly open = new Set<string>();

  /** Open connections, so that a shutdown can finish their posts before the store closes. */
  private readonly connections = new Set<{ shutdown(): Promise<void> }>();

  track(connection: { shutdown(): Promise<void> }, open: boolean): void {
    if (open) this.connections.add(connection);
    else this.connections.delete(connection);
    // A device online may post any moment: the measurer's start is not left to its first message.
    if (open) this.deps.measurer.warm();
  }

  /** Treatments running after their messages were stored, so that a shutdown can wait for them. */
  private readonly treating = new Set<Promise<void>>();

  /**
   * Closes every connection (1001) and waits, at most `ms` in all, for their posts to be stored
   * and then for the treatments running (a treatment cut off leaves its message as sent).
   */
  async shutdown(ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    const within = async (work: Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      const left = Math.max(0, deadline - Date.now());
      await Promise.race([work, new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    };
    await within(Promise.all([...this.connections].map((c) => c.shutdown())));
    await within(Promise.allSettled([...this.treating]));
  }

  constructor(readonly deps: IvmDeps) {
    this.presence = new Presence((id, status, since) => void this.announce(id, status, since));
    this.contacts = new Contacts(deps, this.presence);
    // A voice message read anywhere else (the inbox, REST, the phone) counts as played, whether
    // or not its recipient is connected to the messenger.
    deps.bus.subscribe(READ_TOPIC, (event) => {
      if (event.messageType !== 'ivm') return;
      this.readElsewhere(event.mailboxId as string, event.messageId as string).catch(
        (err: unknown) =>
          this.deps.log.warn({ err, message: event.messageId }, 'played mark not passed on'),
      );
    });
  }

  /** Tells a subscriber's accepted contacts its new presence. */
  private async announce(subscriberId: string, status: PresenceStatus, since: string) {
    try {
      const me = await this.deps.directory.lookup(subscriberId);
      if (!me) return;
      const source = this.contacts.address(me);
      for (const id of await this.contacts.accepted(subscriberId))
        this.deps.bus.publish(topicOf(id), { type: 'status', source, status, since });
    } catch (err) {
      this.deps.log.warn({ err, subscriber: subscriberId }, 'presence not announced');
    }
  }

  /** Destinations to recipients who may receive from `me`, and the refused ones with why. */
  async recipients(
    me: Subscriber,
    destinations: string[],
  ): Promise<{ recipients: Recipient[]; refused: Array<{ address: string; reason: string }> }> {
    const recipients = new Map<string, Recipient>();
    const refused: Array<{ address: string; reason: string }> = [];
    const groups = destinations.some((d) => d.startsWith('group:'))
      ? await this.deps.store.groups(me.id)
      : [];
    const candidates: Array<{ named: string; subscriber: Subscriber | null }> = [];
    for (const d of destinations) {
      if (d.startsWith('group:')) {
        const group = groups.find((g) => g.name === d.slice('group:'.length));
        if (!group) {
          refused.push({ address: d, reason: 'unknown' });
          continue;
        }
        for (const id of group.members)
          candidates.push({ named: d, subscriber: await this.deps.directory.lookup(id) });
      } else candidates.push({ named: d, subscriber: await subscriberAt(this.deps.directory, d) });
    }
    for (const { named, subscriber } of candidates) {
      if (!subscriber || subscriber.status !== 'active' || subscriber.id === me.id) {
        refused.push({ address: named, reason: 'unknown' });
        continue;
      }
      const address = this.contacts.address(subscriber);
      if (recipients.has(subscriber.id)) continue;
      if (!(await this.contacts.mayReach(me.id, subscriber.id))) {
        refused.push({ address, reason: 'not-a-contact' });
        continue;
      }
      recipients.set(subscriber.id, { subscriber, address });
    }
    return { recipients: [...recipients.values()], refused };
  }

  /**
   * Waits (at most `ms`) until no connection has this post open: a client that reconnects and
   * sends its post again while the dropped connection's copy is still being stored gets that
   * copy's ack, not a second message.
   */
  async settled(senderId: string, clientId: string, ms = 120_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.open.has(`${senderId}/${clientId}`) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
  }

  /** The stored ack of a post already stored with this id, if any. */
  async storedBefore(me: Subscriber, clientId: string): Promise<StoredAck | null> {
    const post = await this.deps.store.post(me.id, clientId);
    return post ? { state: 'stored', messages: post.messages, durationMs: post.durationMs } : null;
  }

  /** Opens a post: its spool file, and a live announce to the recipients online now. */
  async openPost(me: Subscriber, clientId: string, object: PostObject, destinations: string[]) {
    const key = `${me.id}/${clientId}`;
    if (this.open.has(key))
      throw new Refusal('invalid', `a post with id ${clientId} is already open`);
    const { recipients, refused } = await this.recipients(me, destinations);
    if (recipients.length === 0) {
      const code = refused.some((r) => r.reason === 'not-a-contact') ? 'not-a-contact' : 'unknown';
      throw new Refusal(
        code,
        code === 'not-a-contact'
          ? 'none of the recipients accepts messages from you'
          : 'no destination names anybody here',
      );
    }
    const attachments = object.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: Buffer.from(a.content, 'base64'),
    }));
    const online = recipients.filter((r) => this.presence.isOnline(r.subscriber.id));
    const mode = object.mode ?? (online.length > 0 ? 'intercom' : 'record');
    const stream = this.nextStream++;
    if (this.nextStream > 0xffff_fff0) this.nextStream = 1;
    const recording = new Recording(
      join(this.deps.spoolDir, `${newId()}.ogg`),
      stream,
      Math.ceil((this.deps.limits.maxSeconds * 1000) / 20),
    );
    this.open.add(key);
    const post: OpenPost = {
      stream,
      clientId,
      sender: me,
      senderAddress: this.contacts.address(me),
      mode,
      recipients,
      listeners: mode === 'intercom' ? online.map((r) => r.subscriber.id) : [],
      listenerTopics: mode === 'intercom' ? online.map((r) => topicOf(r.subscriber.id)) : [],
      subject: object.subject,
      attachments,
      recording,
      truncated: false,
    };
    for (const r of online)
      if (mode === 'intercom')
        this.deps.bus.publish(topicOf(r.subscriber.id), {
          type: 'live',
          id: clientId,
          source: post.senderAddress,
          destination: r.address,
          stream,
          name: me.name,
          subject: object.subject,
        });
    return {
      post,
      ack: {
        state: 'open',
        stream: object.stream,
        mode,
        recipients: recipients.map((r) => r.address),
        refused,
      },
    };
  }

  /** One live frame to every listener of the post (each device decides whether it can take it). */
  relay(post: OpenPost, frame: Buffer): void {
    // One event for all: handlers only read it.
    const event = { type: 'frame', stream: post.stream, frame };
    for (const topic of post.listenerTopics) this.deps.bus.publish(topic, event);
  }

  private endLive(post: OpenPost): void {
    for (const id of post.listeners)
      this.deps.bus.publish(topicOf(id), { type: 'end', stream: post.stream });
  }

  /** Drops a post: nothing is stored. */
  async cancel(post: OpenPost): Promise<void> {
    this.open.delete(`${post.sender.id}/${post.clientId}`);
    this.endLive(post);
    await post.recording.discard();
  }

  /**
   * Finalises a post: the packets as sent measured (duration, waveform) and stored as one message
   * per recipient through intake (committed before anyone is told), the post's record, then the
   * stored message to every recipient's devices. The treatment comes after, in the background.
   */
  async finish(post: OpenPost): Promise<StoredAck> {
    this.endLive(post);
    let treating = false;
    try {
      await post.recording.finish();
      if (post.recording.packets === 0) throw new Refusal('invalid', 'the stream has no audio');
      // The spool file is read back rather than its packets kept in memory while recording:
      // storing needs the file's bytes anyway, and an open post then holds no more than a page.
      const audio = await readFile(post.recording.file);
      const packets = readOggPackets(audio);
      if (!packets) throw new Error('the spool file is not a readable Ogg stream');
      // The duration is the stream's own, as its Ogg granules give it (20 ms a packet, the
      // protocol's, less the pre-skip); the waveform is decoded meanwhile, while intake stores.
      const durationMs = Math.max(0, Math.round((packets.length - 2) * 20 - PRE_SKIP / 48));
      const measuring = this.deps.measurer
        .measure(packets.slice(2), PRE_SKIP)
        .catch((err: unknown) => {
          // Measuring is not worth losing the message over: it goes without a waveform.
          this.deps.log.warn({ err, post: post.clientId }, 'voice message not measured');
          return { durationMs, waveform: [] };
        });
      const result = await this.deps.intake.ingest(
        {
          type: 'ivm',
          from: post.senderAddress,
          to: post.recipients.map((r) => mailboxAddress(r.subscriber)),
          subject: post.subject,
          senderId: post.sender.id,
          idempotencyKey: `ivm:${post.clientId}`,
          durationMs,
        },
        [
          { contentType: STORED_TYPE, content: audio, disposition: 'inline' },
          ...post.attachments.map((a) => ({ ...a, disposition: 'attachment' as const })),
        ],
      );
      const measured = { durationMs, waveform: (await measuring).waveform };
      const messages: Record<string, string> = {};
      const copies: Array<Omit<IvmCopy, 'deliveredAt' | 'playedAt'>> = [];
      const stored: StoredCopy[] = [];
      for (const r of post.recipients) {
        const copy = result.copies.find(
          (c) => c.mailboxId === r.subscriber.id && c.folder !== 'sent',
        );
        if (!copy) continue;
        messages[r.address] = copy.messageId;
        stored.push({ mailboxId: copy.mailboxId, messageId: copy.messageId, recipient: r });
        copies.push({
          messageId: copy.messageId,
          mailboxId: r.subscriber.id,
          senderId: post.sender.id,
          clientId: post.clientId,
          recipient: r.address,
          waveform: measured.waveform,
        });
      }
      for (const c of result.copies)
        if (c.folder === 'sent')
          stored.push({ mailboxId: c.mailboxId, messageId: c.messageId, recipient: null });
      await this.deps.store.recordPost(
        post.sender.id,
        post.clientId,
        { messages, durationMs: measured.durationMs },
        copies,
        isoNow(),
      );
      this.deps.observer.messagesStored(copies.length);
      for (const r of post.recipients) {
        const id = messages[r.address];
        if (!id) continue;
        const view = await this.view(r.subscriber.id, id);
        if (view)
          this.deps.bus.publish(topicOf(r.subscriber.id), {
            type: 'stored',
            source: post.senderAddress,
            destination: r.address,
            view,
          });
      }
      this.deps.log.info(
        {
          post: post.clientId,
          sender: post.sender.id,
          recipients: copies.length,
          durationMs: measured.durationMs,
          packets: post.recording.packets,
        },
        'voice message stored',
      );
      // A post sent again (replayed by intake) was treated with its first sending.
      if (this.deps.treat && !result.replayed) {
        this.treatLater(post, stored);
        treating = true;
      }
      return {
        state: 'stored',
        messages,
        durationMs: measured.durationMs,
        ...(post.truncated ? { truncated: true } : {}),
      };
    } catch (err) {
      if (err instanceof Refusal) throw err;
      if (err instanceof SwitchboardError)
        throw new Refusal(err.kind === 'too-large' ? 'too-large' : 'invalid', err.message);
      this.deps.log.error({ err, post: post.clientId }, 'voice message not stored');
      throw new Refusal('unavailable', 'the message could not be stored; send it again');
    } finally {
      this.open.delete(`${post.sender.id}/${post.clientId}`);
      // The treatment still reads the spool file; it removes it when done.
      if (!treating) await post.recording.discard().catch(() => {});
    }
  }

  /** Runs the treatment of a stored post in the background; its spool file goes afterwards. */
  private treatLater(post: OpenPost, copies: StoredCopy[]): void {
    const job = this.treat(post, copies)
      .catch((err: unknown) =>
        this.deps.log.warn(
          { err, post: post.clientId },
          'voice treatment failed; the message stays as sent',
        ),
      )
      .finally(async () => {
        this.treating.delete(job);
        await post.recording.discard().catch(() => {});
      });
    this.treating.add(job);
  }

  /**
   * The treated audio added to every copy as a rendition of its audio part, the recipients'
   * waveforms redrawn from it, and their devices told (`control` `treated`).
   */
  private async treat(post: OpenPost, copies: StoredCopy[]): Promise<void> {
    const treated = await this.deps.treat!(post.recording.file);
    const staged = await this.deps.blobs.stage(treated.audio);
    for (const c of copies) {
      // Each copy's commit holds the event loop (SQLite is synchronous): between them, messages
      // being stored and delivered go first.
      await new Promise((r) => setImmediate(r));
      const message = await this.deps.messages.get(c.mailboxId, c.messageId);
      const { original, treated: already } = audioParts(message?.parts ?? []);
      if (!original || already) continue;
      const part = await this.deps.messages.addPart(
        c.mailboxId,
        c.messageId,
        {
          contentType: treated.contentType,
          filename: null,
          derivedFrom: original.index,
          converter: TREATMENT,
        },
        staged,
      );
      if (part)
        this.deps.bus.publish(`mailbox.${c.mailboxId}`, {
          type: 'message.updated',
          messageId: c.messageId,
          rendition: part.index,
        });
    }
    const received = copies.filter((c) => c.recipient !== null);
    if (treated.waveform.length > 0)
      await this.deps.store.setWaveform(
        received.map((c) => c.messageId),
        treated.waveform,
      );
    for (const c of received) {
      await new Promise((r) => setImmediate(r));
      const view = await this.view(c.mailboxId, c.messageId);
      if (view)
        this.deps.bus.publish(topicOf(c.mailboxId), {
          type: 'treated',
          source: post.senderAddress,
          destination: c.recipient!.address,
          view,
        });
    }
    this.deps.log.info(
      { post: post.clientId, copies: copies.length, bytes: treated.audio.length },
      'voice message treated',
    );
  }

  /** The stored message as a recipient's device sees it; null when it is gone. */
  async view(mailboxId: string, messageId: string, known?: IvmCopy): Promise<StoredView | null> {
    const [message, copy] = await Promise.all([
      this.deps.messages.get(mailboxId, messageId),
      known ? Promise.resolve(known) : this.deps.store.copy(messageId),
    ]);
    if (!message || !copy) return null;
    const { original, treated } = audioParts(message.parts);
    const audio = treated ?? original;
    return {
      id: message.id,
      type: 'ivm',
      receivedAt: message.createdAt,
      durationMs: message.durationMs,
      waveform: copy.waveform,
      subject: message.subject,
      played: copy.playedAt !== null || message.read,
      audio: `/api/v1/messages/${message.id}/parts/${audio?.index ?? 1}`,
      attachments: message.parts
        .filter((p) => p.disposition === 'attachment' && p.derivedFrom === null)
        .map((p) => ({
          index: p.index,
          filename: p.filename,
          contentType: p.contentType,
          size: p.size,
          url: `/api/v1/messages/${message.id}/parts/${p.index}`,
        })),
      clientId: copy.clientId,
    };
  }

  /** A device has it: its cursor moves on; the first device of the recipient sends the receipt. */
  async delivered(me: Subscriber, device: string, messageId: string): Promise<void> {
    const copy = await this.ownCopy(me, messageId);
    await this.deps.store.advanceDevice(me.id, device, { cursor: messageId }, isoNow());
    if (await this.deps.store.markDelivered(messageId, isoNow()))
      await this.receipt(copy, 'delivered');
  }

  /** Played on one device: the inbox shows it read, the other devices and the sender learn it. */
  async played(me: Subscriber, messageId: string, origin: string | null): Promise<void> {
    const copy = await this.ownCopy(me, messageId);
    const first = await this.deps.store.markPlayed(messageId, isoNow());
    if (!first) return;
    await this.deps.mailbox.update(me.id, messageId, { read: true }).catch(() => {});
    this.deps.bus.publish(topicOf(me.id), { type: 'played', message: messageId, origin });
    await this.receipt(copy, 'played');
  }

  private async ownCopy(me: Subscriber, messageId: string): Promise<IvmCopy> {
    const copy = await this.deps.store.copy(messageId);
    if (!copy || copy.mailboxId !== me.id)
      throw new Refusal('unknown', `no voice message ${messageId} in your mailbox`);
    return copy;
  }

  private async receipt(copy: IvmCopy, state: 'delivered' | 'played'): Promise<void> {
    const receipt = {
      id: newId(),
      senderId: copy.senderId,
      clientId: copy.clientId,
      recipient: copy.recipient,
      state,
      at: isoNow(),
    };
    await this.deps.store.addReceipt(receipt);
    this.deps.bus.publish(topicOf(copy.senderId), { type: 'receipt', receipt });
  }

  /** REST marked an ivm message read: that counts as played (when it was not yet). */
  async readElsewhere(mailboxId: string, messageId: string): Promise<void> {
    const copy = await this.deps.store.copy(messageId);
    if (!copy || copy.mailboxId !== mailboxId || copy.playedAt) return;
    if (!(await this.deps.store.markPlayed(messageId, isoNow()))) return;
    this.deps.bus.publish(topicOf(mailboxId), { type: 'played', message: messageId, origin: null });
    await this.receipt(copy, 'played');
  }
}
