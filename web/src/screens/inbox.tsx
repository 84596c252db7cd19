import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, clock, mailboxEvents, shown, type Message } from '../api';
import type { Route } from '../app';
import { navigate } from '../app';
import { FaxStateBadge } from '../components/fax-status';
import { TypeIcon } from '../components/type-icon';
import { receivedFax } from '../fax';
import { useI18n, type TextKey } from '../i18n';

const FOLDERS = ['inbox', 'saved', 'archive', 'sent', 'trash', 'junk'];
const TYPES = ['voice', 'fax', 'email', 'sms', 'ivm', 'text'];

/** `#/?folder=..&type=..&q=..` with one setting changed. */
function listPath(params: URLSearchParams, change: Record<string, string | null>): string {
  const next = new URLSearchParams(params);
  for (const [k, v] of Object.entries(change))
    if (v) next.set(k, v);
    else next.delete(k);
  const q = next.toString();
  return `/${q ? `?${q}` : ''}`;
}

/** One list for every kind of message, filtered by folder and type, searchable, live. */
export function Inbox({ route }: { route: Route }) {
  const { t, language } = useI18n();
  const folder = route.params.get('folder') ?? 'inbox';
  const type = route.params.get('type');
  const q = route.params.get('q') ?? '';
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [folders, setFolders] = useState<Array<{ folder: string; total: number; unread: number }>>(
    [],
  );
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState(q);

  const load = useCallback(async () => {
    const query = new URLSearchParams({ limit: '50' });
    if (q) query.set('q', q);
    else query.set('folder', folder);
    if (type) query.set('type', type);
    try {
      const [list, counts] = await Promise.all([
        api<{ messages: Message[]; next: string | null }>('GET', `/messages?${query}`),
        api<{ folders: Array<{ folder: string; total: number; unread: number }> }>(
          'GET',
          '/folders',
        ),
      ]);
      setMessages(list.messages);
      setNext(list.next);
      setFolders(counts.folders);
      setError(null);
    } catch (err) {
      setError(t('error.generic', { detail: (err as Error).message }));
    }
  }, [folder, type, q]);

  useEffect(() => {
    void load();
  }, [load]);
  // New, changed and deleted messages show without a reload.
  useEffect(() => mailboxEvents(() => void load()), [load]);
  useEffect(() => setSearch(q), [q]);

  const older = async () => {
    if (!next) return;
    const query = new URLSearchParams({ limit: '50', before: next });
    if (q) query.set('q', q);
    else query.set('folder', folder);
    if (type) query.set('type', type);
    const list = await api<{ messages: Message[]; next: string | null }>(
      'GET',
      `/messages?${query}`,
    );
    setMessages([...(messages ?? []), ...list.messages]);
    setNext(list.next);
  };

  const userFolders = folders.map((f) => f.folder).filter((f) => !FOLDERS.includes(f));
  const unread = (f: string) => folders.find((x) => x.folder === f)?.unread ?? 0;
  const when = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });

  return (
    <div class="inbox">
      <aside class="folders" aria-label="folders">
        <ul>
          {[...FOLDERS, ...userFolders].map((f) => (
            <li>
              <a
                href={`#${listPath(new URLSearchParams(type ? { type } : {}), { folder: f })}`}
                aria-current={!q && f === folder ? 'page' : undefined}
              >
                {FOLDERS.includes(f) ? t(`folder.${f}` as TextKey) : f}
                {unread(f) > 0 && <span class="count">{unread(f)}</span>}
              </a>
            </li>
          ))}
        </ul>
      </aside>
      <section class="list" aria-label={t('nav.inbox')}>
        <form
          class="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            navigate(listPath(route.params, { q: search.trim() || null }));
          }}
        >
          <input
            type="search"
            name="q"
            aria-label={t('search.placeholder')}
            placeholder={t('search.placeholder')}
            value={search}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
          <button type="submit">{t('search.submit')}</button>
        </form>
        <div class="filters" role="group" aria-label="type">
          <a
            href={`#${listPath(route.params, { type: null })}`}
            aria-current={!type ? 'true' : undefined}
          >
            {t('filter.all')}
          </a>
          {TYPES.map((ty) => (
            <a
              href={`#${listPath(route.params, { type: ty })}`}
              aria-current={type === ty ? 'true' : undefined}
            >
              {t(`type.${ty}` as TextKey)}
            </a>
          ))}
        </div>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {messages && messages.length === 0 && <p class="empty">{t('list.empty')}</p>}
        <ul class="messages">
          {(messages ?? []).map((m) => (
            <li class={m.read ? 'read' : 'unread'} data-id={m.id} data-type={m.type}>
              <a href={`#/m/${m.id}`}>
                <TypeIcon type={m.type} />
                <span class="from">{shown(m.from)}</span>
                <span class="subject">
                  {m.urgent && <span class="badge urgent">{t('list.urgent')}</span>}
                  {m.subject ?? ''}
                </span>
                <span class="meta">
                  {m.durationMs !== null && m.durationMs > 0 && (
                    <span class="duration">{clock(m.durationMs)}</span>
                  )}
                  {m.pages !== null && <span class="pages">{t('list.pages', { n: m.pages })}</span>}
                  {m.type === 'fax' && m.folder === 'sent' && <FaxStateBadge messageId={m.id} />}
                  {m.type === 'fax' &&
                    m.folder !== 'sent' &&
                    receivedFax(m.subject)?.incomplete && (
                      <span class="badge fax-incomplete">{t('fax.incompleteBadge')}</span>
                    )}
                  <time dateTime={m.createdAt}>{when.format(new Date(m.createdAt))}</time>
                </span>
                {!m.read && <span class="visually-hidden">{t('list.unread')}</span>}
              </a>
            </li>
          ))}
        </ul>
        {next && (
          <button type="button" class="more" onClick={older}>
            {t('list.loadMore')}
          </button>
        )}
      </section>
    </div>
  );
}
