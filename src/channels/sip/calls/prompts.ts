/**
 * What the voicemail system says, per language, spoken with the media service's text-to-speech
 * and cached. Prompt ids are what call flows name; the words live only here.
 */
export type PromptId =
  | 'unavailable'
  | 'busy'
  | 'mailbox-full'
  | 'review-menu'
  | 'saved'
  | 'not-saved'
  | 'marked-urgent'
  | 'transfer-failed'
  | 'goodbye';

const PROMPTS: Record<string, Record<PromptId, string>> = {
  en: {
    unavailable:
      'The person you are calling is not available. Please leave a message after the tone.',
    busy: 'The person you are calling is on the phone. Please leave a message after the tone.',
    'mailbox-full': 'Sorry, this mailbox is full and cannot take any messages.',
    'review-menu':
      'To send your message, press 1. To listen to it, press 2. To record it again, press 3. To mark it urgent, press 4.',
    saved: 'Your message has been sent.',
    'not-saved': 'Sorry, your message could not be saved.',
    'marked-urgent': 'Your message is marked urgent.',
    'transfer-failed': 'Sorry, that is not possible now. Please leave a message after the tone.',
    goodbye: 'Goodbye.',
  },
  de: {
    unavailable: 'Der Teilnehmer ist nicht erreichbar. Bitte sprechen Sie nach dem Signalton.',
    busy: 'Der Teilnehmer spricht gerade. Bitte sprechen Sie nach dem Signalton.',
    'mailbox-full': 'Dieses Postfach ist leider voll und kann keine Nachrichten annehmen.',
    'review-menu':
      'Um Ihre Nachricht zu senden, drücken Sie 1. Zum Anhören drücken Sie 2. Zum neu Aufsprechen drücken Sie 3. Um sie als dringend zu markieren, drücken Sie 4.',
    saved: 'Ihre Nachricht wurde gesendet.',
    'not-saved': 'Ihre Nachricht konnte leider nicht gespeichert werden.',
    'marked-urgent': 'Ihre Nachricht ist als dringend markiert.',
    'transfer-failed':
      'Das ist leider gerade nicht möglich. Bitte sprechen Sie nach dem Signalton.',
    goodbye: 'Auf Wiederhören.',
  },
};

/** The words of a prompt in the language (by its primary subtag), English when we have none. */
export function promptText(id: PromptId, language: string): string {
  const table = PROMPTS[language.toLowerCase().split('-')[0]!] ?? PROMPTS['en']!;
  return table[id];
}
