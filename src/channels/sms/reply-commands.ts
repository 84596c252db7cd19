import type { NoticeCodeStore } from '../../core/delivery-ports.js';
import type { Message } from '../../core/message.js';
import { textsFor, type SmsReplyText } from '../../notify/templates.js';

/** A subscriber known by the number a reply came from. */
export interface ReplyingSubscriber {
  id: string;
  language: string;
}

export interface ReplyCommandDeps {
  subscriberByNumber(tel: string): Promise<ReplyingSubscriber | null>;
  codes: Pick<NoticeCodeStore, 'findNoticeCode' | 'latestNoticeCode'>;
  /** The message in the subscriber's mailbox; null when it is gone or in the trash. */
  message(subscriberId: string, messageId: string): Promise<Message | null>;
  /** What T sends: the message's text, or the transcript of a recording (made if need be). */
  textOf(subscriber: ReplyingSubscriber, message: Message): Promise<string | null>;
  save(subscriberId: string, messageId: string): Promise<void>;
  trash(subscriberId: string, messageId: string): Promise<void>;
  /** Queues an SMS to the subscriber's number (a transcript, a confirmation). */
  sendSms(
    subscriber: ReplyingSubscriber,
    to: string,
    messageId: string,
    text: string,
  ): Promise<void>;
  /** Queues a call to the subscriber's number that plays the message (1). */
  callAndPlay(subscriber: ReplyingSubscriber, to: string, messageId: string): Promise<void>;
  log(event: string, detail: object): void;
}

/** `1`, `T`, `S` or `D`, and optionally the notice's six-digit code. */
const COMMAND = /^\s*([1tsd])(?:[\s:#-]*([0-9]{6}))?\s*[.!]?\s*$/i;

/** SMS longer than this are cut for a transcript reply (the resource splits the rest). */
const MAX_TEXT = 1200;

/**
 * Answers to SMS notices (seeds 000 and 004): the subscriber replies from their own number to
 * the number notices come from, `1` to be called and hear the message, `T` for its text or
 * transcript, `S` to save it, `D` to delete it, with the notice's code, or without one for the
 * newest notice. Only replies that reached us through an SMSC resource get here: what an
 * application submits over our SMPP server is never a command. Gives false when the text is no
 * command, or the sender is nobody we know (the SMS is then stored as an ordinary one).
 */
export class ReplyCommands {
  constructor(private readonly deps: ReplyCommandDeps) {}

  async handle(from: string, text: string): Promise<boolean> {
    const m = COMMAND.exec(text);
    const subscriber = await this.deps.subscriberByNumber(from);
    if (!subscriber) return false;
    if (!m) {
      // A subscriber writing to the notice number: tell them how it works, nothing stored.
      await this.answer(subscriber, from, null, 'unknown-command');
      return true;
    }
    const command = m[1]!.toUpperCase();
    const code = m[2]
      ? await this.deps.codes.findNoticeCode(m[2])
      : await this.deps.codes.latestNoticeCode(subscriber.id);
    // A code of somebody else's notice is as good as none.
    const message =
      code && code.subscriberId === subscriber.id
        ? await this.deps.message(subscriber.id, code.messageId)
        : null;
    this.deps.log('SMS reply command', {
      subscriber: subscriber.id,
      command,
      code: m[2] ?? null,
      message: message?.id ?? null,
    });
    if (!message) {
      await this.answer(subscriber, from, null, 'unknown-code');
      return true;
    }
    switch (command) {
      case '1':
        await this.deps.callAndPlay(subscriber, from, message.id);
        await this.answer(subscriber, from, message.id, 'calling');
        return true;
      case 'T': {
        const said = (await this.deps.textOf(subscriber, message))?.trim();
        if (!said) {
          await this.answer(subscriber, from, message.id, 'no-text');
          return true;
        }
        const cut = said.length > MAX_TEXT ? `${said.slice(0, MAX_TEXT - 1)}…` : said;
        await this.deps.sendSms(subscriber, from, message.id, cut);
        return true;
      }
      case 'S':
        await this.deps.save(subscriber.id, message.id);
        await this.answer(subscriber, from, message.id, 'saved');
        return true;
      default:
        await this.deps.trash(subscriber.id, message.id);
        await this.answer(subscriber, from, message.id, 'deleted');
        return true;
    }
  }

  private async answer(
    subscriber: ReplyingSubscriber,
    to: string,
    messageId: string | null,
    what: SmsReplyText,
  ): Promise<void> {
    const text = textsFor(subscriber.language).smsReply[what];
    // A reply about no message still needs a message to hang the delivery on: the newest notice's.
    const about =
      messageId ?? (await this.deps.codes.latestNoticeCode(subscriber.id))?.messageId ?? null;
    if (about) await this.deps.sendSms(subscriber, to, about, text);
  }
}
