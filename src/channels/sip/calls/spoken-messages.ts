import type { Message } from '../../../core/message.js';

/**
 * What the mailbox says about messages, in words for text-to-speech: counts, which message
 * this is and what kind, and the envelope (who, when). English and German; English otherwise.
 */
type Words = {
  counts(folder: string, unread: number, read: number): string;
  ordinal(n: number): string;
  kind(message: Message, sender: string): string;
  envelope(sender: string, date: string, time: string): string;
  at: string;
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const WORDS: Record<string, Words> = {
  en: {
    counts: (folder, unread, read) =>
      folder === 'inbox'
        ? `You have ${plural(unread, 'new message', 'new messages')} and ${plural(read, 'old message', 'old messages')}.`
        : `You have ${plural(unread + read, 'message', 'messages')} in ${folder}.`,
    ordinal: (n) => `Message ${n}.`,
    kind: (m, sender) => {
      switch (m.type) {
        case 'fax':
          return `A fax from ${sender}, ${plural(m.pages ?? 0, 'page', 'pages')}.`;
        case 'email':
          return `An email from ${sender}.${m.subject ? ` Subject: ${m.subject}.` : ''}`;
        case 'sms':
        case 'text':
          return `A text message from ${sender}.`;
        default:
          return '';
      }
    },
    envelope: (sender, date, time) => `Message from ${sender}, received ${date} at ${time}.`,
    at: 'at',
  },
  de: {
    counts: (folder, unread, read) =>
      folder === 'inbox'
        ? `Sie haben ${plural(unread, 'neue Nachricht', 'neue Nachrichten')} und ${plural(read, 'alte Nachricht', 'alte Nachrichten')}.`
        : `Sie haben ${plural(unread + read, 'Nachricht', 'Nachrichten')} im Ordner ${folder}.`,
    ordinal: (n) => `Nachricht ${n}.`,
    kind: (m, sender) => {
      switch (m.type) {
        case 'fax':
          return `Ein Fax von ${sender}, ${plural(m.pages ?? 0, 'Seite', 'Seiten')}.`;
        case 'email':
          return `Eine E-Mail von ${sender}.${m.subject ? ` Betreff: ${m.subject}.` : ''}`;
        case 'sms':
        case 'text':
          return `Eine Textnachricht von ${sender}.`;
        default:
          return '';
      }
    },
    envelope: (sender, date, time) => `Nachricht von ${sender}, erhalten am ${date} um ${time}.`,
    at: 'bei',
  },
};

function words(language: string): Words {
  return WORDS[language.toLowerCase().split('-')[0]!] ?? WORDS['en']!;
}

/** A sender as it is spoken: a number digit by digit, an address with "at" and "dot". */
export function spokenAddress(address: string, language = 'en'): string {
  const number = /^tel:\+?([0-9]+)/.exec(address)?.[1];
  if (number) return number.split('').join(' ');
  const at = words(language).at;
  const bare = address.replace(/^(sip|sips|mailto):/i, '');
  return bare.replace('@', ` ${at} `).replace(/\./g, ' dot ');
}

export function counts(folder: string, unread: number, read: number, language: string): string {
  return words(language).counts(folder, unread, read);
}

/** "Message 2. A fax from 1 5 5 5..., 3 pages." */
export function announce(message: Message, index: number, language: string): string {
  const w = words(language);
  return `${w.ordinal(index + 1)} ${w.kind(message, spokenAddress(message.from, language))}`.trim();
}

/** Who sent it and when, in the subscriber's time zone. */
export function envelope(message: Message, timeZone: string, language: string): string {
  const at = new Date(message.createdAt);
  const locale = language.startsWith('de') ? 'de-DE' : 'en-US';
  const date = new Intl.DateTimeFormat(locale, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    timeZone,
  }).format(at);
  const time = new Intl.DateTimeFormat(locale, {
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
  }).format(at);
  return words(language).envelope(spokenAddress(message.from, language), date, time);
}
