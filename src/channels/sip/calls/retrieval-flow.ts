import type { MenuTable } from './menu.js';

/** The states of calling in to one's mailbox. */
export type RetrievalState =
  | 'ask-mailbox'
  | 'ask-pin'
  | 'check-pin'
  | 'login-incorrect'
  | 'too-many-attempts'
  | 'locked'
  | 'intro'
  | 'main'
  | 'first'
  | 'no-messages'
  | 'play'
  | 'rewind'
  | 'skip'
  | 'resume'
  | 'repeat'
  | 'message-menu'
  | 'next'
  | 'previous'
  | 'no-more'
  | 'at-first'
  | 'delete'
  | 'save'
  | 'save-inbox'
  | 'save-saved'
  | 'save-archive'
  | 'advanced'
  | 'envelope'
  | 'not-possible'
  | 'choose-folder'
  | 'open-inbox'
  | 'open-saved'
  | 'open-archive'
  | 'goodbye'
  | 'forward'
  | 'forward-how'
  | 'forward-unknown'
  | 'forward-comment'
  | 'forward-with-comment'
  | 'forward-as-is'
  | 'options'
  | 'greeting-unavailable'
  | 'greeting-busy'
  | 'greeting-name'
  | 'record-greeting'
  | 'greeting-review'
  | 'greeting-listen'
  | 'greeting-save'
  | 'new-pin'
  | 'new-pin-again'
  | 'set-pin'
  | 'pins-differ'
  | 'fax-to-email'
  | 'fax-to-number'
  | 'fax-send'
  | 'fax-sent'
  | 'reply'
  | 'reply-send'
  | 'call-back'
  | 'call-back-dial'
  | 'link-code'
  | 'link-open'
  | 'link-unknown'
  | 'link-pin'
  | 'link-check'
  | 'link-pin-incorrect'
  | 'call-back-no-number'
  | 'call-back-not-allowed'
  | 'call-back-spend-limit'
  | 'call-back-no-line'
  | 'call-back-busy'
  | 'call-back-no-answer'
  | 'call-back-failed'
  | 'hang-up';

export type RetrievalEffect =
  | 'check-pin'
  | 'count'
  | 'first'
  | 'next'
  | 'previous'
  | 'restart'
  | 'rewind'
  | 'skip'
  | 'delete'
  | 'save-inbox'
  | 'save-saved'
  | 'save-archive'
  | 'open-inbox'
  | 'open-saved'
  | 'open-archive'
  | 'forward-target'
  | 'forward-comment'
  | 'forward'
  | 'greeting-unavailable'
  | 'greeting-busy'
  | 'greeting-name'
  | 'save-greeting'
  | 'set-pin'
  | 'fax-to-email'
  | 'fax-to-number'
  | 'reply'
  | 'call-back'
  | 'open-link'
  | 'check-link-pin';

/** Keys that work on a message, while it plays and after: Asterisk's Comedian Mail layout. */
const ON_A_MESSAGE = {
  '3': 'advanced',
  '4': 'previous',
  '5': 'repeat',
  '6': 'next',
  '7': 'delete',
  '8': 'forward',
  '9': 'save',
  '0': 'options',
} as const;

/**
 * Calling in, as data. Login (mailbox number and PIN, unless the subscriber's own phone proved
 * who calls), the counts, then the main menu: 1 play, 2 change folder, 3 advanced, `*` help,
 * `#` exit, 0 mailbox options (greetings, PIN). On a message: 4 previous, 5 repeat, 6 next,
 * 7 delete, 8 forward (with a comment or as it is), 9 save to a folder, 3 advanced (3 the
 * envelope); while it plays `*` goes back and `#` ahead a few seconds. Keys and order are
 * Asterisk's (Comedian Mail), so that callers' habits carry over.
 */
export const RETRIEVAL_FLOW: MenuTable<RetrievalState, RetrievalEffect> = {
  'ask-mailbox': { say: ['enter-mailbox'], collect: true, next: 'ask-pin' },
  'ask-pin': { say: ['enter-pin'], collect: true, next: 'check-pin' },
  'check-pin': { effect: 'check-pin', next: 'intro' },
  'login-incorrect': { say: ['login-incorrect'], next: 'ask-mailbox' },
  'too-many-attempts': { say: ['too-many-attempts', 'goodbye'], next: 'hang-up' },
  locked: { say: ['mailbox-locked', 'goodbye'], next: 'hang-up' },
  intro: { effect: 'count', say: ['counts'], next: 'main' },
  main: {
    say: ['main-menu'],
    keys: {
      '1': 'first',
      '2': 'choose-folder',
      '3': 'not-possible',
      '0': 'options',
      '*': 'main',
      '#': 'goodbye',
    },
    waitMs: 5000,
    repeats: 3,
    next: 'goodbye',
  },
  first: { effect: 'first', failed: 'no-messages', next: 'play' },
  'no-messages': { say: ['no-messages'], next: 'main' },
  play: {
    say: ['announce', 'message'],
    keys: { ...ON_A_MESSAGE, '*': 'rewind', '#': 'skip' },
    next: 'message-menu',
  },
  rewind: { effect: 'rewind', next: 'resume' },
  skip: { effect: 'skip', next: 'resume' },
  resume: {
    say: ['message'],
    keys: { ...ON_A_MESSAGE, '*': 'rewind', '#': 'skip' },
    next: 'message-menu',
  },
  repeat: { effect: 'restart', next: 'play' },
  'message-menu': {
    say: ['message-menu'],
    keys: { ...ON_A_MESSAGE, '*': 'message-menu', '#': 'goodbye' },
    waitMs: 5000,
    repeats: 3,
    next: 'goodbye',
  },
  next: { effect: 'next', failed: 'no-more', next: 'play' },
  previous: { effect: 'previous', failed: 'at-first', next: 'play' },
  'no-more': { say: ['no-more-messages'], next: 'main' },
  'at-first': { say: ['first-message'], next: 'message-menu' },
  delete: { effect: 'delete', say: ['message-deleted'], next: 'next' },
  save: {
    say: ['choose-folder'],
    keys: { '0': 'save-inbox', '1': 'save-saved', '2': 'save-archive', '*': 'message-menu' },
    waitMs: 5000,
    next: 'message-menu',
  },
  'save-inbox': { effect: 'save-inbox', say: ['message-saved'], next: 'next' },
  'save-saved': { effect: 'save-saved', say: ['message-saved'], next: 'next' },
  'save-archive': { effect: 'save-archive', say: ['message-saved'], next: 'next' },
  advanced: {
    say: ['advanced-menu'],
    keys: {
      '1': 'reply',
      '2': 'call-back',
      '3': 'envelope',
      '4': 'fax-to-email',
      '5': 'fax-to-number',
      '*': 'message-menu',
    },
    waitMs: 5000,
    next: 'message-menu',
  },
  envelope: { say: ['envelope'], next: 'message-menu' },
  'not-possible': { say: ['not-possible'], next: 'main' },
  'choose-folder': {
    say: ['choose-folder'],
    keys: { '0': 'open-inbox', '1': 'open-saved', '2': 'open-archive', '*': 'main' },
    waitMs: 5000,
    next: 'main',
  },
  'open-inbox': { effect: 'open-inbox', next: 'intro' },
  'open-saved': { effect: 'open-saved', next: 'intro' },
  'open-archive': { effect: 'open-archive', next: 'intro' },
  goodbye: { say: ['goodbye'], next: 'hang-up' },
  // 8: forward to another subscriber, with a spoken comment in front or as it is.
  forward: { say: ['enter-forward-mailbox'], collect: true, next: 'forward-how' },
  'forward-how': {
    effect: 'forward-target',
    failed: 'forward-unknown',
    say: ['forward-how'],
    keys: { '1': 'forward-comment', '2': 'forward-as-is', '*': 'message-menu' },
    waitMs: 5000,
    next: 'message-menu',
  },
  'forward-unknown': { say: ['no-such-mailbox'], next: 'message-menu' },
  'forward-comment': {
    say: ['record-after-tone', 'beep'],
    record: true,
    next: 'forward-with-comment',
  },
  'forward-with-comment': {
    effect: 'forward-comment',
    failed: 'not-possible',
    say: ['message-forwarded'],
    next: 'message-menu',
  },
  'forward-as-is': {
    effect: 'forward',
    failed: 'not-possible',
    say: ['message-forwarded'],
    next: 'message-menu',
  },
  // 0: mailbox options, the greetings callers hear and the PIN.
  options: {
    say: ['options-menu'],
    keys: {
      '1': 'greeting-unavailable',
      '2': 'greeting-busy',
      '3': 'greeting-name',
      '4': 'new-pin',
      '*': 'main',
    },
    waitMs: 5000,
    next: 'main',
  },
  'greeting-unavailable': { effect: 'greeting-unavailable', next: 'record-greeting' },
  'greeting-busy': { effect: 'greeting-busy', next: 'record-greeting' },
  'greeting-name': { effect: 'greeting-name', next: 'record-greeting' },
  'record-greeting': { say: ['record-after-tone', 'beep'], record: true, next: 'greeting-review' },
  'greeting-review': {
    say: ['greeting-review'],
    keys: { '1': 'greeting-save', '2': 'greeting-listen', '3': 'record-greeting' },
    waitMs: 5000,
    repeats: 3,
    next: 'greeting-save',
  },
  'greeting-listen': { say: ['recording'], next: 'greeting-review' },
  'greeting-save': {
    effect: 'save-greeting',
    failed: 'not-possible',
    say: ['greeting-saved'],
    next: 'options',
  },
  'new-pin': { say: ['enter-new-pin'], collect: true, next: 'new-pin-again' },
  'new-pin-again': { say: ['enter-new-pin-again'], collect: true, next: 'set-pin' },
  'set-pin': { effect: 'set-pin', failed: 'pins-differ', say: ['pin-changed'], next: 'options' },
  'pins-differ': { say: ['pins-differ'], next: 'options' },
  // A fax, by phone: 3 then 4 sends it on to one's email, 3 then 5 to a fax number.
  'fax-to-email': { effect: 'fax-to-email', failed: 'not-possible', next: 'fax-sent' },
  'fax-to-number': { say: ['enter-fax-number'], collect: true, next: 'fax-send' },
  'fax-send': { effect: 'fax-to-number', failed: 'not-possible', next: 'fax-sent' },
  'fax-sent': { say: ['fax-sent'], next: 'message-menu' },
  // 3 then 1: a spoken reply to the sender, whatever network they wrote from.
  reply: { say: ['record-after-tone', 'beep'], record: true, next: 'reply-send' },
  'reply-send': {
    effect: 'reply',
    failed: 'not-possible',
    say: ['reply-sent'],
    next: 'message-menu',
  },
  // 3 then 2: call the sender back (through the dial policy and a voice resource), talk, and
  // come back to the message when either side hangs up or the caller presses *.
  'call-back': { say: ['calling-back'], next: 'call-back-dial' },
  'call-back-dial': {
    effect: 'call-back',
    failed: 'call-back-failed',
    say: ['call-back-ended'],
    next: 'message-menu',
  },
  'call-back-no-number': { say: ['call-back-no-number'], next: 'message-menu' },
  'call-back-not-allowed': { say: ['call-back-not-allowed'], next: 'message-menu' },
  'call-back-spend-limit': { say: ['call-back-spend-limit'], next: 'message-menu' },
  'call-back-no-line': { say: ['call-back-no-line'], next: 'message-menu' },
  'call-back-busy': { say: ['call-back-busy'], next: 'message-menu' },
  'call-back-no-answer': { say: ['call-back-no-answer'], next: 'message-menu' },
  'call-back-failed': { say: ['not-possible'], next: 'message-menu' },
  // The message link number (seed 004): its number and a notice's code play that message,
  // straight away from the subscriber's own phone, after the PIN of its mailbox from elsewhere.
  'link-code': { say: ['enter-message-code'], collect: true, next: 'link-open' },
  'link-open': { effect: 'open-link', next: 'play' },
  'link-unknown': { say: ['no-such-message', 'goodbye'], next: 'hang-up' },
  'link-pin': { say: ['enter-pin'], collect: true, next: 'link-check' },
  'link-check': { effect: 'check-link-pin', next: 'play' },
  'link-pin-incorrect': { say: ['login-incorrect'], next: 'link-pin' },
};
