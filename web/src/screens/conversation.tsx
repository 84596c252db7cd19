import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  conversationPath,
  mailboxEvents,
  ownNumber,
  shown,
  toUri,
  type Me,
  type ThreadMessage,
} from '../api';
import { SmsBox } from '../components/sms-box';
import { useI18n, type TextKey } from '../i18n';

/**
 * How often a thread looks again while a sent text is on its way: the status moves with the
 * SMSC's receipt, which raises no mailbox event of its own.
 */
const PENDING_POLL_MS = 3000;

/** The SMS with one number, both ways, oldest at the top; received ones are read by opening. */
export function ConversationView({ number, me }: { number: string; me: Me }) {
  const { t, language } = useI18n();
  const party = toUri(number);
  const [messages, setMessages] = useState<ThreadMessage[] | null>(null);
  const [older, setOlder] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const bottom = useRef<HTMLDivElement>(null);

  const load = useCallback(async () => {
    try {
      const thread = await api<{ messages: ThreadMessage[]; older: string | null }>(
        'GET',
        conversationPath(party),
      );
      setMessages(thread.messages);
      setOlder(thread.older);
      setError(null);
      // Opening the conversation reads what came in; the events that follow reload the view.
      if (thread.messages.some((m) => m.direction === 'in' && !m.read))
        await api('POST', conversationPath(party, 'read'));
    } catch (err) {
      setError(t('error.generic', { detail: (err as Error).message }));
    }
  }, [party]);

  useEffect(() => {
    setMessages(null);
    void load();
  }, [load]);
  useEffect(() => mailboxEvents(() => void load()), [load]);
  const pending = (messages ?? []).some((m) => m.status === 'sending' || m.status === 'sent');
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => void load(), PENDING_POLL_MS);
    return () => clearInterval(timer);
  }, [pending, load]);
  const count = messages?.length ?? 0;
  useEffect(() => bottom.current?.scrollIntoView({ block: 'end' }), [count]);

  const earlier = async () => {
    if (!older) return;
    const q = new URLSearchParams({ before: older });
    const page = await api<{ messages: ThreadMessage[]; older: string | null }>(
      'GET',
      `${conversationPath(party)}?${q}`,
    );
    setMessages([...page.messages, ...(messages ?? [])]);
    setOlder(page.older);
  };

  const send = async (text: string) => {
    const from = ownNumber(me);
    await api('POST', '/messages', { type: 'sms', to: [party], text, ...(from ? { from } : {}) });
    await load();
  };

  const when = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' });
  return (
    <section class="conversation" aria-labelledby="conversation-title">
      <header class="sms-header">
        <a href="#/sms" class="back">
          {t('sms.back')}
        </a>
        <h1 id="conversation-title">{shown(party)}</h1>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {older && (
        <button type="button" class="more" onClick={earlier}>
          {t('sms.earlier')}
        </button>
      )}
      {messages && messages.length === 0 && <p class="empty">{t('sms.emptyThread')}</p>}
      <ol class="thread" aria-label={t('sms.thread', { party: shown(party) })} aria-live="polite">
        {(messages ?? []).map((m) => (
          <li class={`bubble ${m.direction}`} data-id={m.id} data-status={m.status ?? undefined}>
            <span class="visually-hidden">
              {m.direction === 'out' ? t('sms.you') : shown(party)}:{' '}
            </span>
            <p class="text">{m.text}</p>
            <span class="meta">
              <time dateTime={m.createdAt}>{when.format(new Date(m.createdAt))}</time>
              {m.status && (
                <span class={`status ${m.status}`} title={m.error ?? undefined}>
                  {' · '}
                  {t(`sms.status.${m.status}` as TextKey)}
                </span>
              )}
            </span>
            {m.error && <span class="why">{m.error}</span>}
          </li>
        ))}
      </ol>
      <div ref={bottom} />
      <SmsBox onSend={send} />
    </section>
  );
}
