import { useRef, useState } from 'preact/hooks';
import { api, shown, type Me } from '../../api';
import { useI18n } from '../../i18n';
import { explain } from './explain';
import { SubscriberForm } from './subscriber-form';
import type { Subscriber } from './types';
import { usePolling } from './use-polling';

const PAGE = 100;
/** Subscribers change rarely and mostly from here; a slow refresh picks up the API's changes. */
const REFRESH_MS = 15000;

/** The subscriber list: add one, set one active or inactive. */
export function Subscribers({ me }: { me: Me }) {
  const { t } = useI18n();
  const [more, setMore] = useState<Subscriber[]>([]);
  const [next, setNext] = useState<string | null>(null);
  // Pages after the first stay as loaded; only the first page refreshes by itself.
  const paged = useRef(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const { data, error, reload } = usePolling(
    async () => {
      const list = await api<{ subscribers: Subscriber[]; next: string | null }>(
        'GET',
        `/subscribers?limit=${PAGE}`,
      );
      if (!paged.current) setNext(list.next);
      return list.subscribers;
    },
    REFRESH_MS,
    'subscribers',
  );

  const setStatus = async (s: Subscriber, status: Subscriber['status']) => {
    setMessage(null);
    try {
      const updated = await api<Subscriber>('PATCH', `/subscribers/${s.id}`, { status });
      setMore(more.map((x) => (x.id === s.id ? updated : x)));
      await reload();
    } catch (err) {
      setMessage({ text: explain(err, t), error: true });
    }
  };
  const older = async () => {
    if (!next) return;
    try {
      const list = await api<{ subscribers: Subscriber[]; next: string | null }>(
        'GET',
        `/subscribers?limit=${PAGE}&after=${next}`,
      );
      paged.current = true;
      setMore([...more, ...list.subscribers]);
      setNext(list.next);
    } catch (err) {
      setMessage({ text: explain(err, t), error: true });
    }
  };

  const subscribers = [...(data ?? []), ...more];
  return (
    <section aria-labelledby="subscribers-title" class="subscribers">
      <h2 id="subscribers-title">{t('console.tab.subscribers')}</h2>
      <SubscriberForm
        onAdded={(s) => {
          setMessage({ text: t('console.subscribers.added', { name: s.name }), error: false });
          void reload();
        }}
      />
      <p role="status" class={message?.error ? 'error' : 'summary'}>
        {message?.text ?? ''}
      </p>
      {error && (
        <p class="error" role="alert">
          {explain(error, t)} {t('console.retrying')}
        </p>
      )}
      {subscribers.length > 0 && (
        <table class="console-table stack subscribers">
          <thead>
            <tr>
              <th scope="col">{t('console.subscribers.name')}</th>
              <th scope="col">{t('console.subscribers.addresses')}</th>
              <th scope="col">{t('console.subscribers.role')}</th>
              <th scope="col">{t('console.subscribers.status')}</th>
              <th scope="col">
                <span class="visually-hidden">{t('console.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {subscribers.map((s) => (
              <tr data-id={s.id} data-status={s.status}>
                <th scope="row">{s.name}</th>
                <td data-label={t('console.subscribers.addresses')}>
                  {s.addresses.map(shown).join(', ')}
                </td>
                <td data-label={t('console.subscribers.role')}>{t(`console.role.${s.role}`)}</td>
                <td data-label={t('console.subscribers.status')}>
                  <span class={`badge status-${s.status === 'active' ? 'A' : 'I'}`}>
                    {t(`console.subscribers.${s.status}`)}
                  </span>
                </td>
                <td>
                  {/* Deactivating yourself would lock you out of this console. */}
                  <button
                    type="button"
                    disabled={s.id === me.id}
                    title={s.id === me.id ? t('console.subscribers.notSelf') : undefined}
                    onClick={() => setStatus(s, s.status === 'active' ? 'inactive' : 'active')}
                  >
                    {t(
                      s.status === 'active'
                        ? 'console.subscribers.deactivate'
                        : 'console.subscribers.activate',
                    )}
                    <span class="visually-hidden"> {s.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="more" onClick={older}>
          {t('console.more')}
        </button>
      )}
    </section>
  );
}
