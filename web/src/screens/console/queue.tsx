import { useEffect, useRef, useState } from 'preact/hooks';
import { api, shown } from '../../api';
import { useI18n, type TextKey } from '../../i18n';
import { explain } from './explain';
import {
  DELIVERY_STATUSES,
  HOLDABLE,
  RETRYABLE,
  type Delivery,
  type QueueDepths,
  type Resource,
} from './types';
import { usePolling } from './use-polling';

const REFRESH_MS = 3000;
const PAGE = 100;

/** The queue by status: counts for every status, the deliveries of one, with Retry and Hold. */
export function Queue({ status }: { status: string }) {
  const { t, language } = useI18n();
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  // Pages after the first stay as loaded; only the first page refreshes by itself.
  const [more, setMore] = useState<Delivery[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const paged = useRef(false);
  useEffect(() => {
    paged.current = false;
    setMore([]);
  }, [status]);
  const { data, error, reload } = usePolling(
    async () => {
      const [depths, list, resources] = await Promise.all([
        api<QueueDepths>('GET', '/deliveries/depths'),
        api<{ deliveries: Delivery[]; next: string | null }>(
          'GET',
          `/deliveries?status=${status}&limit=${PAGE}`,
        ),
        api<{ resources: Resource[] }>('GET', '/resources'),
      ]);
      if (!paged.current) setNext(list.next);
      return { depths, deliveries: list.deliveries, resources: resources.resources };
    },
    REFRESH_MS,
    `queue-${status}`,
  );

  const act = async (d: Delivery, action: 'retry' | 'hold') => {
    setMessage(null);
    try {
      await api('POST', `/deliveries/${d.id}/${action}`);
      setMessage({
        text: t(action === 'retry' ? 'console.queue.retried' : 'console.queue.held', {
          to: shown(d.recipient),
        }),
        error: false,
      });
      await reload();
    } catch (err) {
      setMessage({ text: explain(err, t), error: true });
    }
  };
  const older = async () => {
    if (!next) return;
    try {
      const list = await api<{ deliveries: Delivery[]; next: string | null }>(
        'GET',
        `/deliveries?status=${status}&limit=${PAGE}&after=${next}`,
      );
      paged.current = true;
      setMore([...more, ...list.deliveries]);
      setNext(list.next);
    } catch (err) {
      setMessage({ text: explain(err, t), error: true });
    }
  };

  const count = (s: string) => data?.depths.statuses.find((c) => c.status === s)?.count ?? 0;
  const resourceName = (id: string | null) =>
    (id && data?.resources.find((r) => r.id === id)?.name) ?? '';
  const when = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'medium' });
  const deliveries = [...(data?.deliveries ?? []), ...more];

  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">{t('console.tab.queue')}</h2>
      <div class="filters status-counts" role="group" aria-label={t('console.queue.byStatus')}>
        {DELIVERY_STATUSES.map((s) => (
          <a
            href={`#/console?tab=queue&status=${s}`}
            aria-current={s === status ? 'true' : undefined}
            data-status={s}
          >
            {t(`console.delivery.${s}` as TextKey)} <span class="count">{count(s)}</span>
          </a>
        ))}
      </div>
      {error && (
        <p class="error" role="alert">
          {explain(error, t)} {t('console.retrying')}
        </p>
      )}
      <p role="status" class={message?.error ? 'error' : 'summary'}>
        {message?.text ?? ''}
      </p>
      {data && deliveries.length === 0 && (
        <p class="empty">
          {t('console.queue.empty', { status: t(`console.delivery.${status}` as TextKey) })}
        </p>
      )}
      {deliveries.length > 0 && (
        <table class="console-table stack queue">
          <thead>
            <tr>
              <th scope="col">{t('console.queue.recipient')}</th>
              <th scope="col">{t('console.queue.type')}</th>
              <th scope="col">{t('console.queue.attempts')}</th>
              <th scope="col">{t('console.queue.resource')}</th>
              <th scope="col">{t('console.queue.why')}</th>
              <th scope="col">{t('console.queue.created')}</th>
              <th scope="col">
                <span class="visually-hidden">{t('console.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr data-id={d.id} data-status={d.status}>
                <th scope="row">{shown(d.recipient)}</th>
                <td data-label={t('console.queue.type')}>{d.messageType ?? d.kind}</td>
                <td data-label={t('console.queue.attempts')}>
                  {d.attempts} / {d.maxAttempts}
                </td>
                <td data-label={t('console.queue.resource')}>{resourceName(d.resourceId)}</td>
                <td data-label={t('console.queue.why')} class="why">
                  {d.holdReason ?? d.lastError ?? ''}
                </td>
                <td data-label={t('console.queue.created')}>
                  <time dateTime={d.createdAt}>{when.format(new Date(d.createdAt))}</time>
                </td>
                <td class="row-actions">
                  {RETRYABLE.includes(d.status) && (
                    <button type="button" onClick={() => act(d, 'retry')}>
                      {t('console.queue.retry')}
                      <span class="visually-hidden"> {shown(d.recipient)}</span>
                    </button>
                  )}
                  {HOLDABLE.includes(d.status) && (
                    <button type="button" onClick={() => act(d, 'hold')}>
                      {t('console.queue.hold')}
                      <span class="visually-hidden"> {shown(d.recipient)}</span>
                    </button>
                  )}
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
