import { useEffect, useState } from 'preact/hooks';
import { api, shown } from '../api';
import { faxState, type Delivery, type FaxState } from '../fax';
import { useI18n } from '../i18n';

/** How often a fax on its way is asked about again. */
const POLL_MS = 3000;

interface Tracked {
  delivery: Delivery;
  state: FaxState;
  /** Pages the receiving machine confirmed, cover included (from the paid CDR); null before. */
  pages: number | null;
}

/**
 * The deliveries of a sent fax, one per number, asked again every few seconds until each has
 * ended; a delivered one gets its page count from its CDR (billed by the page).
 */
export function useFaxDeliveries(messageId: string): Tracked[] | null {
  const [tracked, setTracked] = useState<Tracked[] | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const { deliveries } = await api<{ deliveries: Delivery[] }>(
          'GET',
          `/deliveries?${new URLSearchParams({ messageId, kind: 'message' })}`,
        );
        const delivered = deliveries.filter((d) => d.status === 'S');
        const cdrs = delivered.length
          ? (
              await api<{
                cdrs: Array<{ deliveryId: string; result: string; unit: string; units: number }>;
              }>('GET', `/cdrs?${new URLSearchParams({ from: delivered[0]!.createdAt })}`)
            ).cdrs
          : [];
        if (stopped) return;
        const next = deliveries.map((d) => {
          const paid = cdrs.find((c) => c.deliveryId === d.id && c.result === 'sent');
          return {
            delivery: d,
            state: faxState(d),
            pages: paid?.unit === 'page' ? paid.units : null,
          };
        });
        setTracked(next);
        if (next.some((x) => x.state !== 'delivered' && x.state !== 'failed'))
          timer = setTimeout(() => void load(), POLL_MS);
      } catch {
        // Asked again later: a moment offline does not end the watch.
        if (!stopped) timer = setTimeout(() => void load(), POLL_MS * 2);
      }
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [messageId]);
  return tracked;
}

/** One delivery's state in words: queued, sending, waiting to retry, delivered or failed. */
function StateText({ tracked }: { tracked: Tracked }) {
  const { t, language } = useI18n();
  const d = tracked.delivery;
  const at = (iso: string | null) =>
    iso ? new Intl.DateTimeFormat(language, { timeStyle: 'short' }).format(new Date(iso)) : '';
  switch (tracked.state) {
    case 'queued':
      return <>{t('fax.state.queued')}</>;
    case 'sending':
      return <>{t('fax.state.sending', { n: d.attempts, max: d.maxAttempts })}</>;
    case 'retrying':
      return (
        <>
          {t('fax.state.retrying', {
            n: d.attempts,
            max: d.maxAttempts,
            at: at(d.nextAttemptAt),
            error: d.lastError ?? '',
          })}
        </>
      );
    case 'delivered':
      return (
        <>
          {tracked.pages !== null
            ? t('fax.state.deliveredPages', { n: tracked.pages, at: at(d.finishedAt) })
            : t('fax.state.delivered', { at: at(d.finishedAt) })}
        </>
      );
    case 'failed':
      return <>{t('fax.state.failed', { n: d.attempts, error: d.lastError ?? '' })}</>;
  }
}

/** A sent fax's delivery to each number, as it goes: the message view's status panel. */
export function FaxDeliveryStatus({ messageId }: { messageId: string }) {
  const { t } = useI18n();
  const tracked = useFaxDeliveries(messageId);
  if (!tracked) return null;
  return (
    <section class="fax-status" aria-label={t('fax.status')}>
      <h2>{t('fax.status')}</h2>
      {tracked.length === 0 && <p>{t('fax.state.none')}</p>}
      <ul>
        {tracked.map((x) => (
          <li data-state={x.state} data-recipient={x.delivery.recipient}>
            <span class="recipient">{shown(x.delivery.recipient)}</span>{' '}
            <span class={`badge fax-${x.state}`} role="status">
              <StateText tracked={x} />
            </span>
            {(x.state === 'sending' || x.state === 'queued') && (
              <progress aria-label={t('fax.state.sendingNow')} />
            )}
            {x.delivery.errorLog.length > 0 && (
              <details>
                <summary>{t('fax.attempts', { n: x.delivery.errorLog.length })}</summary>
                <ol>
                  {x.delivery.errorLog.map((e) => (
                    <li>
                      <time dateTime={e.at}>{e.at.slice(11, 19)}</time> {e.error}
                    </li>
                  ))}
                </ol>
              </details>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The short form for the list of sent messages: one word per fax, the worst state first. */
export function FaxStateBadge({ messageId }: { messageId: string }) {
  const { t } = useI18n();
  const tracked = useFaxDeliveries(messageId);
  if (!tracked || tracked.length === 0) return null;
  const order: FaxState[] = ['failed', 'retrying', 'sending', 'queued', 'delivered'];
  const state = order.find((s) => tracked.some((x) => x.state === s))!;
  return <span class={`badge fax-${state}`}>{t(`fax.badge.${state}`)}</span>;
}
