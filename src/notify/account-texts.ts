import { clock, shownAddress, TYPE_NAMES } from './templates.js';

/**
 * Texts of account notices (welcome, prompts for action) and digests, per language; English is
 * the fallback, like templates.ts.
 */
export interface AccountTexts {
  welcome(v: {
    name: string;
    numbers: string[];
    voicemailNumber: string;
    webUrl: string;
    hasPin: boolean;
  }): Notice;
  pinReminder(v: { voicemailNumber: string; webUrl: string }): Notice;
  /** A notice channel (service) switched on: what it brings and how to use it. */
  serviceWelcome(v: { channel: string; webUrl: string }): Notice;
  nearlyFull(v: {
    percent: number;
    usedBytes: number;
    quotaBytes: number | null;
    messages: number;
    quotaMessages: number | null;
    webUrl: string;
  }): Notice;
  expiring(v: {
    messages: ListedMessage[];
    more: number;
    timeZone: string;
    webUrl: string;
  }): Notice;
  digest(v: { messages: ListedMessage[]; more: number; timeZone: string }): Notice;
}

export interface Notice {
  subject: string;
  text: string;
}

/** One message in a list: what, from whom, when, and where to open it. */
export interface ListedMessage {
  type: string;
  from: string;
  subject: string | null;
  durationMs?: number | null;
  /** When it arrived, or in an expiry list when it goes. */
  at: string;
  link?: string | null;
}

function time(at: string, locale: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(locale, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone,
    }).format(new Date(at));
  } catch {
    return at;
  }
}

/** 640 kB, 12.5 MB: what a person reads, not a byte count. */
function size(bytes: number): string {
  return bytes < 1_000_000
    ? `${Math.round(bytes / 1000)} kB`
    : `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function line(m: ListedMessage, lang: 'en' | 'de', timeZone: string, prefix: string): string {
  const what = TYPE_NAMES[lang]![m.type] ?? TYPE_NAMES[lang]!.text!;
  const size = m.durationMs ? ` (${clock(m.durationMs)})` : '';
  const subject = m.subject ? `: ${m.subject}` : '';
  const locale = lang === 'de' ? 'de-DE' : 'en-GB';
  return (
    `- ${prefix}${time(m.at, locale, timeZone)}, ${what}${size} ${lang === 'de' ? 'von' : 'from'} ${shownAddress(m.from)}${subject}` +
    (m.link ? `\n  ${m.link}` : '')
  );
}

const en: AccountTexts = {
  serviceWelcome: ({ channel, webUrl }) => ({
    subject:
      channel === 'sms'
        ? 'SMS notices are on'
        : channel === 'smtp'
          ? 'Email notices are on'
          : channel === 'voice'
            ? 'Notice calls are on'
            : 'Notices are on',
    text:
      (channel === 'sms'
        ? 'From now on you get an SMS for each new message, with a link that opens it. Reply 1 to hear it by phone, T for its text, S to save it, D to delete it.\n'
        : channel === 'smtp'
          ? 'From now on you get an email for each new message, with the recording or fax attached and a link that opens it.\n'
          : channel === 'voice'
            ? 'From now on your phone is called for each new message and the message is played.\n'
            : `From now on notices of new messages go to ${channel}.\n`) +
      `Choose which messages and when in your settings: ${webUrl}\n`,
  }),
  welcome: ({ name, numbers, voicemailNumber, webUrl, hasPin }) => ({
    subject: 'Welcome to your mailbox',
    text:
      `Welcome, ${name}.\n\n` +
      (numbers.length
        ? `Your number${numbers.length > 1 ? 's' : ''}: ${numbers.join(', ')}.\n`
        : '') +
      `To hear your messages by phone, call ${voicemailNumber}.\n` +
      `On the web: ${webUrl}\n` +
      (hasPin
        ? ''
        : `\nPlease set a PIN in your settings (${webUrl}): you need it to reach your mailbox from a phone other than your own.\n`),
  }),
  pinReminder: ({ voicemailNumber, webUrl }) => ({
    subject: 'Please set your mailbox PIN',
    text:
      `Your mailbox has no PIN yet. Without one you can reach it only from your own phone.\n` +
      `Set it in your settings at ${webUrl}; then call ${voicemailNumber} from any phone.\n`,
  }),
  nearlyFull: ({ percent, usedBytes, quotaBytes, messages, quotaMessages, webUrl }) => ({
    subject: `Your mailbox is ${percent}% full`,
    text:
      `Your mailbox is nearly full: ` +
      [
        quotaBytes ? `${size(usedBytes)} of ${size(quotaBytes)}` : null,
        quotaMessages ? `${messages} of ${quotaMessages} messages` : null,
      ]
        .filter(Boolean)
        .join(', ') +
      `.\nWhen it is full, new messages cannot be taken. Delete the ones you no longer need: ${webUrl}\n`,
  }),
  expiring: ({ messages, more, timeZone, webUrl }) => ({
    subject: `${messages.length + more} message${messages.length + more === 1 ? '' : 's'} will be deleted soon`,
    text:
      `These messages reach the end of their keeping time and will be deleted:\n` +
      messages.map((m) => line(m, 'en', timeZone, 'deleted ')).join('\n') +
      (more ? `\n… and ${more} more.` : '') +
      `\n\nTo keep one, save it elsewhere: ${webUrl}\n`,
  }),
  digest: ({ messages, more, timeZone }) => ({
    subject: `${messages.length + more} new message${messages.length + more === 1 ? '' : 's'}`,
    text:
      `New since your last summary:\n` +
      messages.map((m) => line(m, 'en', timeZone, '')).join('\n') +
      (more ? `\n… and ${more} more.` : '') +
      '\n',
  }),
};

const de: AccountTexts = {
  serviceWelcome: ({ channel, webUrl }) => ({
    subject:
      channel === 'sms'
        ? 'SMS-Benachrichtigungen sind eingeschaltet'
        : channel === 'smtp'
          ? 'E-Mail-Benachrichtigungen sind eingeschaltet'
          : channel === 'voice'
            ? 'Benachrichtigungsanrufe sind eingeschaltet'
            : 'Benachrichtigungen sind eingeschaltet',
    text:
      (channel === 'sms'
        ? 'Ab jetzt erhalten Sie für jede neue Nachricht eine SMS mit einem Link, der sie öffnet. Antworten Sie 1 zum Anhören per Anruf, T für den Text, S zum Speichern, D zum Löschen.\n'
        : channel === 'smtp'
          ? 'Ab jetzt erhalten Sie für jede neue Nachricht eine E-Mail mit der Aufnahme oder dem Fax im Anhang und einem Link, der sie öffnet.\n'
          : channel === 'voice'
            ? 'Ab jetzt wird Ihr Telefon für jede neue Nachricht angerufen und die Nachricht abgespielt.\n'
            : `Ab jetzt gehen Benachrichtigungen über neue Nachrichten an ${channel}.\n`) +
      `Welche Nachrichten und wann, wählen Sie in Ihren Einstellungen: ${webUrl}\n`,
  }),
  welcome: ({ name, numbers, voicemailNumber, webUrl, hasPin }) => ({
    subject: 'Willkommen bei Ihrem Postfach',
    text:
      `Willkommen, ${name}.\n\n` +
      (numbers.length
        ? `Ihre Nummer${numbers.length > 1 ? 'n' : ''}: ${numbers.join(', ')}.\n`
        : '') +
      `Ihre Nachrichten hören Sie am Telefon unter ${voicemailNumber}.\n` +
      `Im Web: ${webUrl}\n` +
      (hasPin
        ? ''
        : `\nBitte legen Sie in Ihren Einstellungen (${webUrl}) eine PIN fest: Sie brauchen sie, um Ihr Postfach von einem fremden Telefon zu erreichen.\n`),
  }),
  pinReminder: ({ voicemailNumber, webUrl }) => ({
    subject: 'Bitte legen Sie Ihre Postfach-PIN fest',
    text:
      `Ihr Postfach hat noch keine PIN. Ohne sie erreichen Sie es nur von Ihrem eigenen Telefon.\n` +
      `Legen Sie sie unter ${webUrl} fest; dann rufen Sie ${voicemailNumber} von jedem Telefon an.\n`,
  }),
  nearlyFull: ({ percent, usedBytes, quotaBytes, messages, quotaMessages, webUrl }) => ({
    subject: `Ihr Postfach ist zu ${percent} % voll`,
    text:
      `Ihr Postfach ist fast voll: ` +
      [
        quotaBytes ? `${size(usedBytes)} von ${size(quotaBytes)}` : null,
        quotaMessages ? `${messages} von ${quotaMessages} Nachrichten` : null,
      ]
        .filter(Boolean)
        .join(', ') +
      `.\nIst es voll, können keine neuen Nachrichten angenommen werden. Löschen Sie, was Sie nicht mehr brauchen: ${webUrl}\n`,
  }),
  expiring: ({ messages, more, timeZone, webUrl }) => ({
    subject: `${messages.length + more} Nachricht${messages.length + more === 1 ? '' : 'en'} werden bald gelöscht`,
    text:
      `Diese Nachrichten erreichen das Ende ihrer Aufbewahrungszeit und werden gelöscht:\n` +
      messages.map((m) => line(m, 'de', timeZone, 'gelöscht am ')).join('\n') +
      (more ? `\n… und ${more} weitere.` : '') +
      `\n\nWas Sie behalten möchten, sichern Sie vorher: ${webUrl}\n`,
  }),
  digest: ({ messages, more, timeZone }) => ({
    subject: `${messages.length + more} neue Nachricht${messages.length + more === 1 ? '' : 'en'}`,
    text:
      `Neu seit Ihrer letzten Übersicht:\n` +
      messages.map((m) => line(m, 'de', timeZone, '')).join('\n') +
      (more ? `\n… und ${more} weitere.` : '') +
      '\n',
  }),
};

const LANGUAGES: Record<string, AccountTexts> = { en, de };

export function accountTextsFor(language: string): AccountTexts {
  return LANGUAGES[language] ?? LANGUAGES[language.split('-')[0]!.toLowerCase()] ?? en;
}
