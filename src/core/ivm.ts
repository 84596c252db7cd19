/**
 * The voice messenger's own state (seed 002), beside the message store: contacts and their
 * states, named groups, per-device cursors, the client ids of posts (idempotence), and the
 * receipts of each stored copy. Voice messages themselves are ordinary messages of type `ivm`.
 */

/** `requested`: the owner asked; `incoming`: the other side asked; `accepted`: both agree. */
export type ContactState = 'accepted' | 'requested' | 'incoming';

export interface IvmContactRow {
  contactId: string;
  state: ContactState;
  since: string;
}

export interface IvmGroupRow {
  name: string;
  /** Subscriber ids. */
  members: string[];
}

export interface IvmDevice {
  /** The newest message id this device acknowledged (or said it had seen), else null. */
  cursor: string | null;
  /** The newest receipt id this device was sent. */
  receiptCursor: string | null;
}

/** One recipient's stored copy of a voice message. */
export interface IvmCopy {
  messageId: string;
  mailboxId: string;
  senderId: string;
  clientId: string;
  /** The recipient's messenger address, as the sender named it in receipts. */
  recipient: string;
  waveform: number[];
  deliveredAt: string | null;
  playedAt: string | null;
}

export interface IvmPostRecord {
  /** Recipient messenger address → that recipient's message id. */
  messages: Record<string, string>;
  durationMs: number;
}

export interface IvmReceipt {
  id: string;
  senderId: string;
  clientId: string;
  recipient: string;
  state: 'delivered' | 'played';
  at: string;
}

export interface IvmStore {
  contacts(ownerId: string): Promise<IvmContactRow[]>;
  contactState(ownerId: string, contactId: string): Promise<ContactState | null>;
  /**
   * `from` asks `to`: both rows written in one transaction. When `to` had already asked `from`,
   * both become accepted. Gives the resulting state on `from`'s side.
   */
  requestContact(fromId: string, toId: string, now: string): Promise<ContactState>;
  /** Removes the pair on both sides; true when there was something to remove. */
  removeContact(ownerId: string, contactId: string): Promise<boolean>;

  groups(ownerId: string): Promise<IvmGroupRow[]>;
  /** Creates or replaces a group; no members deletes it. */
  setGroup(ownerId: string, name: string, members: string[], now: string): Promise<void>;

  allowAnyone(subscriberId: string): Promise<boolean>;
  setAllowAnyone(subscriberId: string, allow: boolean, now: string): Promise<void>;

  device(subscriberId: string, device: string): Promise<IvmDevice | null>;
  /** Creates the device or moves its cursors forward (never back). */
  advanceDevice(
    subscriberId: string,
    device: string,
    cursors: { cursor?: string | null; receiptCursor?: string | null },
    now: string,
  ): Promise<void>;

  /** Records what a post stored (after intake's commit); a second record of the same post is ignored. */
  recordPost(
    senderId: string,
    clientId: string,
    post: IvmPostRecord,
    copies: Array<Omit<IvmCopy, 'deliveredAt' | 'playedAt'>>,
    now: string,
  ): Promise<void>;
  post(senderId: string, clientId: string): Promise<IvmPostRecord | null>;
  /** Replaces the waveform of these copies (the treated audio's, drawn after storing). */
  setWaveform(messageIds: string[], waveform: number[]): Promise<void>;
  copy(messageId: string): Promise<IvmCopy | null>;
  /**
   * The subscriber's voice messages newer than `after` (or, with null, the unplayed ones),
   * oldest first, only those still in a folder other than sent and trash.
   */
  waiting(mailboxId: string, after: string | null, limit: number): Promise<IvmCopy[]>;
  /** Sets the time if not set yet; true when this call set it (the first device). */
  markDelivered(messageId: string, at: string): Promise<boolean>;
  markPlayed(messageId: string, at: string): Promise<boolean>;

  addReceipt(receipt: IvmReceipt): Promise<void>;
  /** The sender's receipts newer than `after`, oldest first. */
  receipts(senderId: string, after: string | null, limit: number): Promise<IvmReceipt[]>;
  latestReceiptId(senderId: string): Promise<string | null>;
}
