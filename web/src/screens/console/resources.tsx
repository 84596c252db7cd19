import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useI18n, type TextKey } from '../../i18n';
import { ChannelBitmap } from './channel-bitmap';
import { explain } from './explain';
import type { QueueDepths, Resource } from './types';
import { usePolling } from './use-polling';

/** Often enough that a resource taken out of service shows within a few seconds. */
const REFRESH_MS = 2000;

async function loadResources() {
  const [list, depths] = await Promise.all([
    api<{ resources: Resource[] }>('GET', '/resources'),
    api<QueueDepths>('GET', '/deliveries/depths'),
  ]);
  return { resources: list.resources, depths };
}

/** Queue depth of one resource (or of unrouted work for null) as "R 2 · D 1". */
function depthOf(depths: QueueDepths, resourceId: string | null) {
  return depths.resources.filter((d) => d.resourceId === resourceId && d.count > 0);
}

/** Outbound resources with their state and load; the operator takes them out of service and back. */
export function Resources() {
  const { t } = useI18n();
  const { data, error, reload } = usePolling(loadResources, REFRESH_MS, 'resources');
  const [actionError, setActionError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  const setStatus = async (resource: Resource, status: 'A' | 'I') => {
    setBusyId(resource.id);
    setActionError(null);
    try {
      await api('PATCH', `/resources/${resource.id}`, { status });
      await reload();
    } catch (err) {
      setActionError(explain(err, t));
    } finally {
      setBusyId(null);
    }
  };

  if (!data)
    return error ? (
      <p class="error" role="alert">
        {explain(error, t)}
      </p>
    ) : null;
  const { resources, depths } = data;
  const active = resources.filter((r) => r.status === 'A').length;
  const unrouted = depthOf(depths, null);

  return (
    <section aria-labelledby="resources-title">
      <h2 id="resources-title">{t('console.tab.resources')}</h2>
      {/* Announced when a resource goes in or out of service while the operator watches. */}
      <p role="status" class="summary">
        {t('console.resources.summary', { active, total: resources.length })}
      </p>
      {error && (
        <p class="error" role="alert">
          {explain(error, t)} {t('console.retrying')}
        </p>
      )}
      {actionError && (
        <p class="error" role="alert">
          {actionError}
        </p>
      )}
      {resources.length === 0 ? (
        <p class="empty">{t('console.resources.none')}</p>
      ) : (
        <table class="console-table stack resources">
          <thead>
            <tr>
              <th scope="col">{t('console.resources.name')}</th>
              <th scope="col">{t('console.resources.status')}</th>
              <th scope="col">{t('console.resources.channels')}</th>
              <th scope="col">{t('console.resources.inFlight')}</th>
              <th scope="col">{t('console.resources.queue')}</th>
              <th scope="col">
                <span class="visually-hidden">{t('console.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {resources.map((r) => {
              const queue = depthOf(depths, r.id);
              return (
                <tr data-resource={r.name} data-status={r.status}>
                  <th scope="row">
                    {r.name} <span class="muted">{r.type}</span>
                  </th>
                  <td data-label={t('console.resources.status')}>
                    <span class={`badge status-${r.status}`}>
                      {t(
                        r.status === 'A'
                          ? 'console.resources.active'
                          : 'console.resources.inactive',
                      )}
                    </span>
                    {r.statusReason && <span class="reason">{r.statusReason}</span>}
                  </td>
                  <td data-label={t('console.resources.channels')}>
                    <ChannelBitmap bitmap={r.busyChannels} />
                  </td>
                  <td data-label={t('console.resources.inFlight')}>{r.inFlight}</td>
                  <td data-label={t('console.resources.queue')} class="depth">
                    {queue.length === 0
                      ? '0'
                      : queue.map((d) => (
                          <span>
                            <abbr title={t(`console.delivery.${d.status}` as TextKey)}>
                              {d.status}
                            </abbr>{' '}
                            {d.count}
                          </span>
                        ))}
                  </td>
                  <td>
                    <button
                      type="button"
                      disabled={busyId === r.id}
                      onClick={() => setStatus(r, r.status === 'A' ? 'I' : 'A')}
                    >
                      {t(
                        r.status === 'A' ? 'console.resources.disable' : 'console.resources.enable',
                      )}
                      <span class="visually-hidden"> {r.name}</span>
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {unrouted.length > 0 && (
        <p class="muted">
          {t('console.resources.unrouted', {
            n: unrouted.reduce((n, d) => n + d.count, 0),
          })}
        </p>
      )}
    </section>
  );
}
