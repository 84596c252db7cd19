import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** Interface texts per language; English is the fallback for anything not translated. */
const en = {
  'app.title': 'Switchboard',
  'signin.title': 'Sign in',
  'signin.address': 'Address',
  'signin.password': 'Password',
  'signin.remember': 'Stay signed in on this device',
  'signin.submit': 'Sign in',
  'signin.failed': 'Wrong address or password. Check both and try again.',
  'nav.inbox': 'Messages',
  'nav.compose': 'New message',
  'nav.settings': 'Settings',
  'nav.console': 'Console',
  'nav.signout': 'Sign out',
  'nav.language': 'Language',
  'folder.inbox': 'Inbox',
  'folder.saved': 'Saved',
  'folder.archive': 'Archive',
  'folder.sent': 'Sent',
  'folder.trash': 'Trash',
  'folder.junk': 'Junk',
  'filter.all': 'All',
  'type.voice': 'Voice',
  'type.fax': 'Fax',
  'type.email': 'Email',
  'type.sms': 'SMS',
  'type.text': 'Text',
  'type.ivm': 'Voice message',
  'type.video': 'Video',
  'type.image': 'Picture',
  'search.placeholder': 'Search messages',
  'search.submit': 'Search',
  'list.empty': 'No messages here.',
  'list.unread': 'unread',
  'list.urgent': 'urgent',
  'list.pages': '{n} pages',
  'list.loadMore': 'Older messages',
  'message.from': 'From',
  'message.to': 'To',
  'message.date': 'Received',
  'message.back': 'Back to messages',
  'message.download': 'Download',
  'message.downloadPdf': 'Download as PDF',
  'message.attachments': 'Attachments',
  'message.transcript': 'Transcript',
  'message.transcribe': 'Make a transcript',
  'message.transcribing': 'Transcribing…',
  'message.noText': 'This message has no text.',
  'message.remoteBlocked': 'Remote images are blocked to protect your privacy.',
  'message.remoteShow': 'Show remote images',
  'message.senderCheck': 'Sender check',
  'action.markRead': 'Mark as read',
  'action.markUnread': 'Mark as unread',
  'action.moveTo': 'Move to',
  'action.delete': 'Delete',
  'action.restore': 'Restore',
  'action.forward': 'Forward',
  'action.reply': 'Reply',
  'player.play': 'Play',
  'player.pause': 'Pause',
  'player.speed': 'Speed',
  'player.position': 'Position',
  'fax.page': 'Page {n} of {total}',
  'fax.previous': 'Previous page',
  'fax.next': 'Next page',
  'fax.zoomIn': 'Zoom in',
  'fax.zoomOut': 'Zoom out',
  'error.generic': 'Something went wrong: {detail}',
  'error.offline':
    'The server cannot be reached. Check your connection; the page retries by itself.',
  'live.connected': 'Live',
  // compose
  // settings
  // console
};

export type TextKey = keyof typeof en;

const de: Partial<Record<TextKey, string>> = {
  'signin.title': 'Anmelden',
  'signin.address': 'Adresse',
  'signin.password': 'Passwort',
  'signin.remember': 'Auf diesem Gerät angemeldet bleiben',
  'signin.submit': 'Anmelden',
  'signin.failed': 'Adresse oder Passwort ist falsch. Bitte beides prüfen und erneut versuchen.',
  'nav.inbox': 'Nachrichten',
  'nav.compose': 'Neue Nachricht',
  'nav.settings': 'Einstellungen',
  'nav.console': 'Konsole',
  'nav.signout': 'Abmelden',
  'nav.language': 'Sprache',
  'folder.inbox': 'Posteingang',
  'folder.saved': 'Gespeichert',
  'folder.archive': 'Archiv',
  'folder.sent': 'Gesendet',
  'folder.trash': 'Papierkorb',
  'folder.junk': 'Spam',
  'filter.all': 'Alle',
  'type.voice': 'Sprache',
  'type.fax': 'Fax',
  'type.email': 'E-Mail',
  'type.sms': 'SMS',
  'type.text': 'Text',
  'type.ivm': 'Sprachnachricht',
  'type.video': 'Video',
  'type.image': 'Bild',
  'search.placeholder': 'Nachrichten durchsuchen',
  'search.submit': 'Suchen',
  'list.empty': 'Hier sind keine Nachrichten.',
  'list.unread': 'ungelesen',
  'list.urgent': 'dringend',
  'list.pages': '{n} Seiten',
  'list.loadMore': 'Ältere Nachrichten',
  'message.from': 'Von',
  'message.to': 'An',
  'message.date': 'Empfangen',
  'message.back': 'Zurück zu den Nachrichten',
  'message.download': 'Herunterladen',
  'message.downloadPdf': 'Als PDF herunterladen',
  'message.attachments': 'Anhänge',
  'message.transcript': 'Abschrift',
  'message.transcribe': 'Abschrift erstellen',
  'message.transcribing': 'Abschrift wird erstellt…',
  'message.noText': 'Diese Nachricht hat keinen Text.',
  'message.remoteBlocked': 'Externe Bilder sind zum Schutz Ihrer Privatsphäre blockiert.',
  'message.remoteShow': 'Externe Bilder anzeigen',
  'message.senderCheck': 'Absenderprüfung',
  'action.markRead': 'Als gelesen markieren',
  'action.markUnread': 'Als ungelesen markieren',
  'action.moveTo': 'Verschieben nach',
  'action.delete': 'Löschen',
  'action.restore': 'Wiederherstellen',
  'action.forward': 'Weiterleiten',
  'action.reply': 'Antworten',
  'player.play': 'Abspielen',
  'player.pause': 'Pause',
  'player.speed': 'Geschwindigkeit',
  'player.position': 'Position',
  'fax.page': 'Seite {n} von {total}',
  'fax.previous': 'Vorherige Seite',
  'fax.next': 'Nächste Seite',
  'fax.zoomIn': 'Vergrößern',
  'fax.zoomOut': 'Verkleinern',
  'error.generic': 'Etwas ist schiefgegangen: {detail}',
  'error.offline':
    'Der Server ist nicht erreichbar. Bitte die Verbindung prüfen; die Seite versucht es selbst erneut.',
  'live.connected': 'Live',
  // compose
  // settings
  // console
};

export const LANGUAGES: Record<string, { name: string; texts: Partial<Record<TextKey, string>> }> =
  {
    en: { name: 'English', texts: en },
    de: { name: 'Deutsch', texts: de },
  };

export type Translate = (key: TextKey, vars?: Record<string, string | number>) => string;

export function translator(language: string): Translate {
  const texts = LANGUAGES[language]?.texts ?? LANGUAGES[language.split('-')[0]!]?.texts ?? en;
  return (key, vars = {}) =>
    (texts[key] ?? en[key]).replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}

export const I18n = createContext<{ t: Translate; language: string }>({
  t: translator('en'),
  language: 'en',
});

export const useI18n = () => useContext(I18n);
