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
  | 'goodbye'
  | 'nothing-heard'
  | 'enter-mailbox'
  | 'enter-pin'
  | 'login-incorrect'
  | 'too-many-attempts'
  | 'mailbox-locked'
  | 'main-menu'
  | 'message-menu'
  | 'advanced-menu'
  | 'no-more-messages'
  | 'no-messages'
  | 'first-message'
  | 'message-deleted'
  | 'choose-folder'
  | 'message-saved'
  | 'not-possible'
  | 'enter-forward-mailbox'
  | 'forward-how'
  | 'no-such-mailbox'
  | 'message-forwarded'
  | 'options-menu'
  | 'record-after-tone'
  | 'greeting-review'
  | 'greeting-saved'
  | 'enter-new-pin'
  | 'enter-new-pin-again'
  | 'pins-differ'
  | 'pin-changed'
  | 'enter-fax-number'
  | 'fax-sent'
  | 'reply-sent'
  | 'calling-back'
  | 'call-back-ended'
  | 'call-back-no-number'
  | 'call-back-not-allowed'
  | 'call-back-spend-limit'
  | 'call-back-no-line'
  | 'call-back-busy'
  | 'call-back-no-answer'
  | 'enter-message-code'
  | 'no-such-message';

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
    'nothing-heard': 'I did not hear a message.',
    'enter-mailbox': 'Please enter your mailbox number, then press pound.',
    'enter-pin': 'Please enter your PIN, then press pound.',
    'login-incorrect': 'Login incorrect.',
    'too-many-attempts': 'Too many failed attempts.',
    'mailbox-locked':
      'This mailbox is locked for a while after failed logins. Please try again later.',
    'main-menu':
      'Press 1 to listen to your messages. Press 2 to change folders. Press 3 for advanced options. Press 0 for mailbox options. Press star for help, or pound to exit.',
    'message-menu':
      'Press 4 for the previous message, 5 to repeat it, 6 for the next message, 7 to delete it, 8 to forward it, 9 to save it. Press 3 for advanced options, star for help, or pound to exit.',
    'advanced-menu':
      'Press 1 to reply, 2 to call the sender, 3 to hear the envelope. For a fax, press 4 to send it to your email, 5 to send it to a fax number. Press star to return.',
    'no-more-messages': 'No more messages.',
    'no-messages': 'You have no messages.',
    'first-message': 'This is the first message.',
    'message-deleted': 'Message deleted.',
    'choose-folder':
      'Press 0 for new messages, 1 for saved messages, 2 for the archive. Press star to return.',
    'message-saved': 'Message saved.',
    'not-possible': 'Sorry, that is not possible.',
    'enter-forward-mailbox':
      'Enter the mailbox number to forward this message to, then press pound.',
    'forward-how':
      'Press 1 to record a comment before the message, 2 to forward it as it is. Press star to return.',
    'no-such-mailbox': 'There is no such mailbox.',
    'message-forwarded': 'Message forwarded.',
    'options-menu':
      'Press 1 to record your unavailable greeting, 2 your busy greeting, 3 your name. Press 4 to change your PIN. Press star to return.',
    'record-after-tone': 'Record after the tone, then press pound.',
    'greeting-review': 'Press 1 to keep it, 2 to listen to it, 3 to record it again.',
    'greeting-saved': 'Saved.',
    'enter-new-pin': 'Enter your new PIN, then press pound.',
    'enter-new-pin-again': 'Enter it again, then press pound.',
    'pins-differ': 'The two entries differ. Your PIN was not changed.',
    'pin-changed': 'Your PIN has been changed.',
    'enter-fax-number': 'Enter the fax number with its country code, then press pound.',
    'fax-sent': 'The fax is on its way.',
    'reply-sent': 'Your reply has been sent.',
    'calling-back': 'Calling the sender. Press star to end the call.',
    'call-back-ended': 'The call has ended.',
    'call-back-no-number': 'Sorry, this message has no number to call back.',
    'call-back-not-allowed': 'Sorry, calls to this number are not allowed from your mailbox.',
    'call-back-spend-limit': 'Sorry, your spending limit for calls has been reached.',
    'call-back-no-line': 'Sorry, no line is free to call out. Please try again later.',
    'call-back-busy': 'The line is busy.',
    'call-back-no-answer': 'There was no answer.',
    'enter-message-code': 'Please enter the message code, then press pound.',
    'no-such-message': 'Sorry, there is no message with that code.',
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
    'nothing-heard': 'Ich habe keine Nachricht gehört.',
    'enter-mailbox': 'Bitte geben Sie Ihre Postfachnummer ein und drücken Sie die Raute.',
    'enter-pin': 'Bitte geben Sie Ihre PIN ein und drücken Sie die Raute.',
    'login-incorrect': 'Anmeldung fehlgeschlagen.',
    'too-many-attempts': 'Zu viele Fehlversuche.',
    'mailbox-locked':
      'Dieses Postfach ist nach Fehlversuchen vorübergehend gesperrt. Bitte versuchen Sie es später noch einmal.',
    'main-menu':
      'Drücken Sie 1, um Ihre Nachrichten abzuhören, 2, um den Ordner zu wechseln, 3 für weitere Funktionen, 0 für die Postfacheinstellungen, Stern für Hilfe oder Raute zum Beenden.',
    'message-menu':
      'Drücken Sie 4 für die vorige Nachricht, 5 zum Wiederholen, 6 für die nächste Nachricht, 7 zum Löschen, 8 zum Weiterleiten, 9 zum Speichern. 3 für weitere Funktionen, Stern für Hilfe oder Raute zum Beenden.',
    'advanced-menu':
      'Drücken Sie 1 zum Antworten, 2, um den Absender anzurufen, 3 für die Absenderangaben. Bei einem Fax 4, um es an Ihre E-Mail zu senden, 5, um es an eine Faxnummer zu senden. Stern, um zurückzukehren.',
    'no-more-messages': 'Keine weiteren Nachrichten.',
    'no-messages': 'Sie haben keine Nachrichten.',
    'first-message': 'Dies ist die erste Nachricht.',
    'message-deleted': 'Nachricht gelöscht.',
    'choose-folder':
      'Drücken Sie 0 für neue Nachrichten, 1 für gespeicherte, 2 für das Archiv. Stern, um zurückzukehren.',
    'message-saved': 'Nachricht gespeichert.',
    'not-possible': 'Das ist leider nicht möglich.',
    'enter-forward-mailbox':
      'Geben Sie die Postfachnummer ein, an die Sie die Nachricht weiterleiten möchten, und drücken Sie die Raute.',
    'forward-how':
      'Drücken Sie 1, um vor der Nachricht einen Kommentar aufzusprechen, 2, um sie unverändert weiterzuleiten. Stern, um zurückzukehren.',
    'no-such-mailbox': 'Dieses Postfach gibt es nicht.',
    'message-forwarded': 'Nachricht weitergeleitet.',
    'options-menu':
      'Drücken Sie 1 für Ihre Ansage bei Abwesenheit, 2 für Ihre Besetztansage, 3 für Ihren Namen, 4, um Ihre PIN zu ändern. Stern, um zurückzukehren.',
    'record-after-tone': 'Sprechen Sie nach dem Signalton und drücken Sie dann die Raute.',
    'greeting-review': 'Drücken Sie 1 zum Speichern, 2 zum Anhören, 3 zum neu Aufsprechen.',
    'greeting-saved': 'Gespeichert.',
    'enter-new-pin': 'Geben Sie Ihre neue PIN ein und drücken Sie die Raute.',
    'enter-new-pin-again': 'Geben Sie sie noch einmal ein und drücken Sie die Raute.',
    'pins-differ': 'Die Eingaben stimmen nicht überein. Ihre PIN wurde nicht geändert.',
    'pin-changed': 'Ihre PIN wurde geändert.',
    'enter-fax-number': 'Geben Sie die Faxnummer mit Ländervorwahl ein und drücken Sie die Raute.',
    'fax-sent': 'Das Fax ist unterwegs.',
    'reply-sent': 'Ihre Antwort wurde gesendet.',
    'calling-back': 'Der Absender wird angerufen. Drücken Sie Stern, um das Gespräch zu beenden.',
    'call-back-ended': 'Das Gespräch ist beendet.',
    'call-back-no-number': 'Zu dieser Nachricht gibt es leider keine Rückrufnummer.',
    'call-back-not-allowed':
      'Diese Nummer darf von Ihrem Postfach aus leider nicht angerufen werden.',
    'call-back-spend-limit': 'Ihr Ausgabenlimit für Anrufe ist leider erreicht.',
    'call-back-no-line':
      'Leider ist gerade keine Leitung frei. Bitte versuchen Sie es später noch einmal.',
    'call-back-busy': 'Die Leitung ist besetzt.',
    'call-back-no-answer': 'Es meldet sich niemand.',
    'enter-message-code': 'Bitte geben Sie den Nachrichtencode ein und drücken Sie die Raute.',
    'no-such-message': 'Zu diesem Code gibt es leider keine Nachricht.',
  },
};

/** The words of a prompt in the language (by its primary subtag), English when we have none. */
export function promptText(id: PromptId, language: string): string {
  const table = PROMPTS[language.toLowerCase().split('-')[0]!] ?? PROMPTS['en']!;
  return table[id];
}
