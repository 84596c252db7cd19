/**
 * Texts of notices and receipts per language. English is the fallback; a subscriber's language
 * tag picks the closest (de-AT uses de). Adding a language is adding an entry here.
 */
export interface Texts {
  newMessage(v: NewMessage): { subject: string; text: string };
  /**
   * A new-message notice by SMS: its subject line, the link that opens the message, the reply
   * commands and the notice's code (docs/sms.md).
   */
  smsNotice(v: { subject: string; link: string | null; code: string; call: string | null }): string;
  /** The lines under an email notice: the web link, and the number that plays the message. */
  noticeLinks(v: { link: string | null; call: string | null }): string;
  /** What an SMS reply command answers with. */
  smsReply: Record<SmsReplyText, string>;
  receipt(v: {
    status: 'S' | 'F' | 'E';
    recipient: string;
    subject: string | null;
    errors: string[];
    at: string;
    /** A message delivered by a call: how long the call lasted. */
    callSeconds?: number | null;
    /** A message sent as a fax: the pages the receiving machine confirmed, and its station id. */
    fax?: { pages: number; remoteId: string; seconds: number | null } | null;
  }): {
    subject: string;
    text: string;
  };
}

export type SmsReplyText =
  'saved' | 'deleted' | 'calling' | 'no-text' | 'unknown-code' | 'unknown-command';

/** What a new-message notice says: who, what, how long or how many pages, and when. */
export interface NewMessage {
  type: string;
  from: string;
  subject: string | null;
  urgent: boolean;
  durationMs?: number | null;
  pages?: number | null;
  at?: Date;
  timeZone?: string;
}

/** An address as people read it: the number or mailbox without its URI scheme. */
export function shownAddress(uri: string): string {
  return uri.replace(/^(tel|mailto|sips?|ivm):/, '');
}

/** 0:42, 12:05 or 1:02:03. */
export function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

function when(v: NewMessage, locale: string): string | null {
  if (!v.at) return null;
  try {
    return new Intl.DateTimeFormat(locale, {
      dateStyle: 'full',
      timeStyle: 'short',
      timeZone: v.timeZone ?? 'UTC',
    }).format(v.at);
  } catch {
    return v.at.toISOString();
  }
}

export const TYPE_NAMES: Record<string, Record<string, string>> = {
  en: {
    voice: 'voice message',
    fax: 'fax',
    email: 'email',
    sms: 'SMS',
    video: 'video message',
    image: 'picture',
    text: 'message',
    ivm: 'voice message',
  },
  de: {
    voice: 'Sprachnachricht',
    fax: 'Fax',
    email: 'E-Mail',
    sms: 'SMS',
    video: 'Videonachricht',
    image: 'Bild',
    text: 'Nachricht',
    ivm: 'Sprachnachricht',
  },
};

const en: Texts = {
  noticeLinks: ({ link, call }) =>
    [link ? `Open it: ${link}` : '', call ? `Hear it by phone: call ${call}` : '']
      .filter(Boolean)
      .join('\n'),
  smsNotice: ({ subject, link, code, call }) =>
    `${subject}.${link ? ` Open: ${link}` : ''} Reply 1 to hear it by phone, T for the text, S save, D delete (code ${code}).${call ? ` Or call ${call}.` : ''}`,
  smsReply: {
    saved: 'Saved.',
    deleted: 'Deleted.',
    calling: 'Calling you now to play the message.',
    'no-text': 'This message has no text or transcript to send.',
    'unknown-code': 'No message has that code (codes last 30 days).',
    'unknown-command':
      'Reply 1 to hear a message by phone, T for its text, S to save, D to delete, then its code.',
  },
  newMessage: (v) => {
    const what = TYPE_NAMES.en![v.type] ?? 'message';
    const from = shownAddress(v.from);
    const size = v.durationMs ? ` (${clock(v.durationMs)})` : v.pages ? ` (${v.pages} pages)` : '';
    const at = when(v, 'en-GB');
    return {
      subject: `${v.urgent ? 'Urgent: new' : 'New'} ${what} from ${from}${size}`,
      text:
        `You have a new ${v.urgent ? 'urgent ' : ''}${what} from ${from}${v.subject ? `: ${v.subject}` : ''}.` +
        (v.durationMs ? `\nLength: ${clock(v.durationMs)}` : '') +
        (v.pages ? `\nPages: ${v.pages}` : '') +
        (at ? `\nReceived: ${at}` : ''),
    };
  },
  receipt: ({ status, recipient, subject, errors, at, callSeconds, fax }) => {
    const what = subject ? `"${subject}"` : 'Your message';
    if (status === 'S')
      return {
        subject: `Delivered: ${subject ?? 'your message'}`,
        text:
          `${what} was delivered to ${recipient} at ${at}.` +
          (fax
            ? ` It was sent as a fax of ${fax.pages} ${fax.pages === 1 ? 'page' : 'pages'}` +
              (fax.remoteId ? ` to the fax machine "${fax.remoteId}"` : '') +
              (fax.seconds ? ` on a call of ${clock(fax.seconds * 1000)}` : '') +
              '.'
            : callSeconds
              ? ` It was played on a call of ${clock(callSeconds * 1000)}.`
              : ''),
      };
    const why = errors.length
      ? `\n\nWhat happened:\n${errors.map((e) => `- ${e}`).join('\n')}`
      : '';
    if (status === 'E')
      return {
        subject: `Not delivered (expired): ${subject ?? 'your message'}`,
        text: `${what} to ${recipient} expired before it could be delivered.${why}`,
      };
    return {
      subject: `Not delivered: ${subject ?? 'your message'}`,
      text: `${what} could not be delivered to ${recipient}.${why}`,
    };
  },
};

const de: Texts = {
  noticeLinks: ({ link, call }) =>
    [link ? `Öffnen: ${link}` : '', call ? `Per Telefon anhören: ${call} anrufen` : '']
      .filter(Boolean)
      .join('\n'),
  smsNotice: ({ subject, link, code, call }) =>
    `${subject}.${link ? ` Öffnen: ${link}` : ''} Antworten Sie 1 zum Anhören per Anruf, T für den Text, S speichern, D löschen (Code ${code}).${call ? ` Oder ${call} anrufen.` : ''}`,
  smsReply: {
    saved: 'Gespeichert.',
    deleted: 'Gelöscht.',
    calling: 'Sie werden jetzt angerufen, um die Nachricht zu hören.',
    'no-text': 'Zu dieser Nachricht gibt es keinen Text und keine Abschrift.',
    'unknown-code': 'Zu diesem Code gibt es keine Nachricht (Codes gelten 30 Tage).',
    'unknown-command':
      'Antworten Sie 1 zum Anhören per Anruf, T für den Text, S zum Speichern, D zum Löschen, dann den Code.',
  },
  newMessage: (v) => {
    const what = TYPE_NAMES.de![v.type] ?? 'Nachricht';
    const from = shownAddress(v.from);
    const size = v.durationMs ? ` (${clock(v.durationMs)})` : v.pages ? ` (${v.pages} Seiten)` : '';
    const at = when(v, 'de-DE');
    return {
      subject: `${v.urgent ? 'Dringend: neue' : 'Neue'} ${what} von ${from}${size}`,
      text:
        `Sie haben eine neue ${v.urgent ? 'dringende ' : ''}${what} von ${from}${v.subject ? `: ${v.subject}` : ''}.` +
        (v.durationMs ? `\nLänge: ${clock(v.durationMs)}` : '') +
        (v.pages ? `\nSeiten: ${v.pages}` : '') +
        (at ? `\nEmpfangen: ${at}` : ''),
    };
  },
  receipt: ({ status, recipient, subject, errors, at, callSeconds, fax }) => {
    const what = subject ? `„${subject}“` : 'Ihre Nachricht';
    if (status === 'S')
      return {
        subject: `Zugestellt: ${subject ?? 'Ihre Nachricht'}`,
        text:
          `${what} wurde am ${at} an ${recipient} zugestellt.` +
          (fax
            ? ` Sie wurde als Fax mit ${fax.pages} ${fax.pages === 1 ? 'Seite' : 'Seiten'}` +
              (fax.remoteId ? ` an das Faxgerät „${fax.remoteId}“` : '') +
              (fax.seconds ? ` in einem Anruf von ${clock(fax.seconds * 1000)}` : '') +
              ' gesendet.'
            : callSeconds
              ? ` Sie wurde in einem Anruf von ${clock(callSeconds * 1000)} abgespielt.`
              : ''),
      };
    const why = errors.length
      ? `\n\nFehlerprotokoll:\n${errors.map((e) => `- ${e}`).join('\n')}`
      : '';
    if (status === 'E')
      return {
        subject: `Nicht zugestellt (abgelaufen): ${subject ?? 'Ihre Nachricht'}`,
        text: `${what} an ${recipient} ist abgelaufen, bevor sie zugestellt werden konnte.${why}`,
      };
    return {
      subject: `Nicht zugestellt: ${subject ?? 'Ihre Nachricht'}`,
      text: `${what} konnte nicht an ${recipient} zugestellt werden.${why}`,
    };
  },
};

const LANGUAGES: Record<string, Texts> = { en, de };

export const TEMPLATE_LANGUAGES = Object.keys(LANGUAGES);

export function textsFor(language: string): Texts {
  return LANGUAGES[language] ?? LANGUAGES[language.split('-')[0]!.toLowerCase()] ?? en;
}
