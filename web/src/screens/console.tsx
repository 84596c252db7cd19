import type { Me } from '../api';
import { navigate } from '../app';
import { useI18n, type TextKey } from '../i18n';
import { Cdrs } from './console/cdrs';
import { Queue } from './console/queue';
import { DELIVERY_STATUSES } from './console/types';
import { Resources } from './console/resources';
import { Subscribers } from './console/subscribers';

const TABS = ['resources', 'queue', 'cdrs', 'subscribers'] as const;
type Tab = (typeof TABS)[number];

/**
 * The operator's console, one tab per concern; the tab is in the URL (`#/console?tab=queue`) so
 * it survives a reload and can be linked. Tabs follow the ARIA pattern: arrow keys move between
 * them, Tab goes into the panel.
 */
export function Console({ me, params }: { me: Me; params: URLSearchParams }) {
  const { t } = useI18n();
  const asked = params.get('tab') as Tab | null;
  const tab: Tab = asked && TABS.includes(asked) ? asked : 'resources';
  const status = params.get('status') ?? 'H';
  const go = (to: Tab) => navigate(`/console?tab=${to}`);

  const onKeyDown = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const to =
      e.key === 'ArrowRight'
        ? TABS[(i + 1) % TABS.length]
        : e.key === 'ArrowLeft'
          ? TABS[(i + TABS.length - 1) % TABS.length]
          : e.key === 'Home'
            ? TABS[0]
            : e.key === 'End'
              ? TABS[TABS.length - 1]
              : undefined;
    if (!to) return;
    e.preventDefault();
    go(to);
    // The new tab renders on the hash change; focus follows it there.
    requestAnimationFrame(() => document.getElementById(`tab-${to}`)?.focus());
  };

  return (
    <div class="console">
      <h1>{t('nav.console')}</h1>
      <div class="tabs" role="tablist" aria-label={t('nav.console')} onKeyDown={onKeyDown}>
        {TABS.map((name) => (
          <a
            id={`tab-${name}`}
            role="tab"
            href={`#/console?tab=${name}`}
            aria-selected={name === tab ? 'true' : 'false'}
            aria-controls="console-panel"
            tabIndex={name === tab ? 0 : -1}
          >
            {t(`console.tab.${name}` as TextKey)}
          </a>
        ))}
      </div>
      <div id="console-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'resources' ? (
          <Resources />
        ) : tab === 'queue' ? (
          <Queue
            status={(DELIVERY_STATUSES as readonly string[]).includes(status) ? status : 'H'}
          />
        ) : tab === 'cdrs' ? (
          <Cdrs />
        ) : (
          <Subscribers me={me} />
        )}
      </div>
    </div>
  );
}
