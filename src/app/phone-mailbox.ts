import type { Logger } from 'pino';
import type { MailboxOwner, RetrievalServices } from '../channels/sip/calls/retrieval-call.js';
import type { PromptId } from '../channels/sip/calls/prompts.js';
import type { ClientTransactions } from '../channels/sip/client-transactions.js';
import { wavSamples } from '../channels/sip/media/wav-file.js';
import type { Config } from '../config/config.js';
import type { NoticeCodeStore } from '../core/delivery-ports.js';
import type { MailboxService } from '../core/mailbox.js';
import type { Message } from '../core/message.js';
import type { Directory } from '../directory/directory.js';
import type { Greetings } from '../directory/greetings.js';
import type { Intake } from '../intake/intake.js';
import { wavOf } from '../media/wav.js';
import type { createMediaService } from './media.js';

export interface PhoneMailboxDeps {
  config: Config;
  logger: Logger;
  directory: Directory;
  intake: Intake;
  greetings: Greetings;
  media: ReturnType<typeof createMediaService>;
  mailbox: MailboxService;
  prompt(id: PromptId, language: string): Promise<Int16Array>;
  transactions: ClientTransactions;
  local(): { host: string; port: number };
  /** The call-back of 3 then 2, placed by the voice resource. */
  callBack: RetrievalServices['callBack'];
  /** Notice codes, for calls to the message link number. */
  noticeCodes: Pick<NoticeCodeStore, 'findNoticeCode'>;
}

function concatPcm(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * What calling in to a mailbox needs from the rest of the server, wired: the directory (mailbox
 * numbers, PINs with lockout), the mailbox (messages, renditions for the phone, moves), intake
 * (forwarding), greetings, and speech for counts and envelopes.
 */
export function phoneMailbox(d: PhoneMailboxDeps): {
  ownerOf(address: string): Promise<MailboxOwner | null>;
  retrieval: RetrievalServices;
} {
  const { config, logger, directory, intake, greetings, media, mailbox, prompt } = d;
  const ownerOf = async (address: string): Promise<MailboxOwner | null> => {
    const r = await directory.resolve(address).catch(() => null);
    if (r?.kind !== 'local' || r.target.kind !== 'existing') return null;
    const s = await directory.lookup(r.target.subscriberId);
    return s ? { subscriberId: s.id, language: s.language, timeZone: s.timeZone } : null;
  };
  const spokenTexts = new Map<string, Promise<Int16Array>>();
  const speak = (text: string, language: string): Promise<Int16Array> => {
    const key = `${language}|${text}`;
    let made = spokenTexts.get(key);
    if (!made) {
      made = media
        .convert(Buffer.from(text, 'utf8'), 'text/plain', 'audio/wav;rate=8000', { language })
        .then((r) => wavSamples(r.content));
      made.catch(() => spokenTexts.delete(key));
      // Counts and envelopes repeat; a few hundred phrases are kept, the oldest go first.
      if (spokenTexts.size >= 500) spokenTexts.delete(spokenTexts.keys().next().value!);
      spokenTexts.set(key, made);
    }
    return made;
  };
  /** The part the phone plays: the recording, else the text read aloud (a rendition, kept). */
  const playable = (message: Message) =>
    message.parts.find((p) => p.derivedFrom === null && p.contentType.startsWith('audio/')) ??
    message.parts.find((p) => p.derivedFrom === null && p.contentType.startsWith('text/plain')) ??
    message.parts.find((p) => p.derivedFrom === null && p.contentType.startsWith('text/html'));
  const retrieval: RetrievalServices = {
    mailboxByNumber: (digits) =>
      /^[0-9]{3,15}$/.test(digits) ? ownerOf(`tel:+${digits}`) : Promise.resolve(null),
    checkPin: (subscriberId, pin) =>
      directory.checkPin(subscriberId, pin, {
        max: config.pinMaxFailures,
        lockoutMs: config.pinLockoutSeconds * 1000,
      }),
    // Oldest first, as phone mailboxes play them.
    messages: async (subscriberId, folder) =>
      (await mailbox.list(subscriberId, { folder, limit: 200 })).reverse(),
    audio: async (owner, message) => {
      const part = playable(message);
      if (!part) return new Int16Array(0);
      const made = await mailbox.rendition(
        owner.subscriberId,
        message.id,
        part.index,
        'audio/wav;rate=8000',
        owner.language,
      );
      return wavSamples(made.content);
    },
    move: async (subscriberId, id, folder) => {
      await mailbox.update(subscriberId, id, { folder });
    },
    markRead: async (subscriberId, id) => {
      await mailbox.update(subscriberId, id, { read: true });
    },
    trash: async (subscriberId, id) => {
      await mailbox.delete(subscriberId, id);
    },
    forward: async (owner, message, to, comment) => {
      const [from, target] = await Promise.all([
        directory.lookup(owner.subscriberId),
        directory.lookup(to.subscriberId),
      ]);
      if (!from || !target) throw new Error('the subscriber is gone');
      const originals = message.parts.filter((p) => p.derivedFrom === null);
      let parts = await Promise.all(
        originals.map(async (p) => ({
          contentType: p.contentType,
          filename: p.filename,
          content: (await mailbox.part(owner.subscriberId, message.id, p.index)).content,
        })),
      );
      let durationMs = message.durationMs;
      if (comment) {
        const audio = parts.find((p) => p.contentType.startsWith('audio/'));
        if (message.type === 'voice' && audio) {
          // One recording, the comment and then the message, as a caller would hear it.
          const made = await mailbox.rendition(
            owner.subscriberId,
            message.id,
            originals.find((p) => p.contentType.startsWith('audio/'))!.index,
            'audio/wav;rate=8000',
          );
          const joined = concatPcm(comment, wavSamples(made.content));
          parts = [
            { contentType: 'audio/wav', filename: 'forwarded.wav', content: wavOf(joined) },
            ...parts.filter((p) => p !== audio),
          ];
          durationMs = Math.round(joined.length / 8);
        } else
          parts = [
            { contentType: 'audio/wav', filename: 'comment.wav', content: wavOf(comment) },
            ...parts,
          ];
      }
      await intake.ingest(
        {
          type: message.type,
          from: from.addresses[0]!,
          to: [target.addresses[0]!],
          subject: `Fwd: ${message.subject ?? ''}`.trim(),
          senderId: owner.subscriberId,
          durationMs,
          pages: message.pages,
        },
        parts,
      );
    },
    reply: async (owner, message, pcm) => {
      const me = await directory.lookup(owner.subscriberId);
      if (!me) throw new Error('the subscriber is gone');
      // To whoever sent it, on their network: a subscriber's mailbox, or out through the queue.
      await intake.ingest(
        {
          type: 'voice',
          from: me.addresses[0]!,
          to: [message.from],
          subject: `Re: ${message.subject ?? ''}`.trim(),
          senderId: owner.subscriberId,
          durationMs: Math.round(pcm.length / 8),
        },
        [{ contentType: 'audio/wav', filename: 'reply.wav', content: wavOf(pcm) }],
      );
    },
    sendFax: async (owner, message, to) => {
      const me = await directory.lookup(owner.subscriberId);
      if (!me) throw new Error('the subscriber is gone');
      const email =
        me.notificationPreferences.email ??
        me.addresses.find((a) => a.startsWith('mailto:'))?.slice(7);
      const recipient = to === 'email' ? (email ? `mailto:${email}` : null) : to;
      if (!recipient) throw new Error('no email address to send the fax to');
      const originals = message.parts.filter((p) => p.derivedFrom === null);
      const parts = await Promise.all(
        originals.map(async (p) => ({
          contentType: p.contentType,
          filename: p.filename,
          content: (await mailbox.part(owner.subscriberId, message.id, p.index)).content,
        })),
      );
      // From the subscriber to the outside: the queue routes it (SMTP for mail, a fax resource
      // for a number) and bills it like anything they send.
      await intake.ingest(
        {
          type: 'fax',
          from: me.addresses[0]!,
          to: [recipient],
          subject: message.subject ?? `Fax from ${message.from}`,
          senderId: owner.subscriberId,
          pages: message.pages,
        },
        parts,
      );
    },
    saveGreeting: async (owner, kind, pcm) => {
      await greetings.record(owner.subscriberId, kind, 'audio/wav', wavOf(pcm));
    },
    setPin: async (owner, pin) => {
      await directory.update(owner.subscriberId, { pin });
    },
    callBack: d.callBack,
    messageByCode: async (code) => {
      const found = await d.noticeCodes.findNoticeCode(code);
      if (!found) return null;
      const s = await directory.lookup(found.subscriberId);
      const message = await mailbox.get(found.subscriberId, found.messageId).catch(() => null);
      if (!s || !message || message.folder === 'trash') return null;
      return {
        owner: { subscriberId: s.id, language: s.language, timeZone: s.timeZone },
        message,
      };
    },
    prompt,
    speak,
    transactions: d.transactions,
    local: d.local,
    defaultLanguage: config.defaultLanguage,
    log: (event, detail) => logger.info(detail, event),
  };
  return { ownerOf, retrieval };
}
