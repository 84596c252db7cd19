import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, conversationHref, mailboxEvents, shown, type Conversation } from '../api';
import { useI18n } from '../i18n';

/** SMS as conversations: one row per other party's number, newest first, live. */
export function Conversations() {
  const { t, language } = useI18n();
  const [list, setList] = useState<Conversation[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setList(
        (await api<{ conversations: Conversation[] }>('GET', '/conversations')).conversations,
      );
      setError(null);
    } catch (err) {
      setError(t('error.generic', { detail: (err as Error).message }));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => mailboxEvents(() => void load()), [load]);

  const when = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' });
  return (
    <section class="conversations" aria-labelledby="sms-title">
      <header class="sms-header">
        <h1 id="sms-title">{t('sms.title')}</h1>
        <a class="button primary" href="#/compose?as=sms">
          {t('sms.new')}
        </a>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {list && list.length === 0 && <p class="empty">{t('sms.none')}</p>}
      <ul class="conversation-list">
        {(list ?? []).map((c) => (
          <li class={c.unread > 0 ? 'unread' : 'read'} data-party={c.party}>
            <a href={conversationHref(c.party)}>
              <span class="party">{shown(c.party)}</span>
              <time dateTime={c.lastAt}>{when.format(new Date(c.lastAt))}</time>
              <span class="last">
                {c.lastDirection === 'out' && <span class="you">{t('sms.you')} </span>}
                {c.lastText}
              </span>
              {c.unread > 0 && (
                <span class="count" title={t('sms.unread', { n: c.unread })}>
                  {c.unread}
                  <span class="visually-hidden"> {t('sms.unread', { n: c.unread })}</span>
                </span>
              )}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
