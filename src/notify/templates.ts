/**
 * Texts of notices and receipts per language. English is the fallback; a subscriber's language
 * tag picks the closest (de-AT uses de). Adding a language is adding an entry here.
 */
export interface Texts {
  newMessage(v: { type: string; from: string; subject: string | null; urgent: boolean }): {
    subject: string;
    text: string;
  };
  receipt(v: {
    status: 'S' | 'F' | 'E';
    recipient: string;
    subject: string | null;
    errors: string[];
    at: string;
  }): {
    subject: string;
    text: string;
  };
}

const TYPE_NAMES: Record<string, Record<string, string>> = {
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
  newMessage: ({ type, from, subject, urgent }) => ({
    subject: `${urgent ? 'Urgent: new' : 'New'} ${TYPE_NAMES.en![type] ?? 'message'} from ${from}`,
    text: `You have a new ${urgent ? 'urgent ' : ''}${TYPE_NAMES.en![type] ?? 'message'} from ${from}${subject ? `: ${subject}` : ''}.`,
  }),
  receipt: ({ status, recipient, subject, errors, at }) => {
    const what = subject ? `"${subject}"` : 'Your message';
    if (status === 'S')
      return {
        subject: `Delivered: ${subject ?? 'your message'}`,
        text: `${what} was delivered to ${recipient} at ${at}.`,
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
  newMessage: ({ type, from, subject, urgent }) => ({
    subject: `${urgent ? 'Dringend: neue' : 'Neue'} ${TYPE_NAMES.de![type] ?? 'Nachricht'} von ${from}`,
    text: `Sie haben eine neue ${urgent ? 'dringende ' : ''}${TYPE_NAMES.de![type] ?? 'Nachricht'} von ${from}${subject ? `: ${subject}` : ''}.`,
  }),
  receipt: ({ status, recipient, subject, errors, at }) => {
    const what = subject ? `„${subject}“` : 'Ihre Nachricht';
    if (status === 'S')
      return {
        subject: `Zugestellt: ${subject ?? 'Ihre Nachricht'}`,
        text: `${what} wurde am ${at} an ${recipient} zugestellt.`,
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
