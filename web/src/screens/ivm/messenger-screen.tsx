import { useMemo, useState } from 'preact/hooks';
import { shown, type Me } from '../../api';
import type { OwnStatus } from '../../ivm/frames';
import { messengerFor } from '../../ivm/messenger';
import { useI18n } from '../../i18n';
import { ContactList } from './contacts';
import { GroupList } from './groups';
import { LiveNow } from './live';
import { NoticeBar } from './notice';
import { PresenceDot } from './presence';
import { ReceivedList } from './received-list';
import { SentList } from './sent-list';
import { TalkPanel } from './talk-panel';
import { useMessenger } from './use-messenger';
import './ivm.css';

const STATUSES: OwnStatus[] = ['available', 'busy', 'away'];

/**
 * The instant voice messenger (`#/ivm`): contacts with presence and groups on the side; talk
 * (live or recorded) to those picked; messages received and sent, with their receipts.
 */
export function MessengerScreen(props: { me: Me }) {
  const { t } = useI18n();
  const messenger = useMemo(() => messengerFor(props.me.id), [props.me.id]);
  const state = useMessenger(messenger);
  const [selected, setSelected] = useState<string[]>([]);

  // A contact removed or a group deleted is no longer a recipient.
  const valid = selected.filter((s) =>
    s.startsWith('group:')
      ? state.groups.some((g) => `group:${g.name}` === s)
      : state.contacts.some((c) => c.address === s && c.state === 'accepted'),
  );
  const toggle = (d: string) =>
    setSelected(valid.includes(d) ? valid.filter((x) => x !== d) : [...valid, d]);
  const names = valid
    .map((d) =>
      d.startsWith('group:')
        ? d.slice(6)
        : state.contacts.find((c) => c.address === d)?.name || shown(d),
    )
    .join(', ');

  return (
    <div class="ivm" data-link={state.link}>
      <aside class="ivm-side">
        <div class="ivm-me">
          <PresenceDot status={state.link === 'online' ? state.status : 'offline'} />
          <label>
            <span class="visually-hidden">{t('ivm.myStatus')}</span>
            <select
              name="status"
              value={state.status}
              aria-label={t('ivm.myStatus')}
              onChange={(e) =>
                void messenger.setStatus((e.target as HTMLSelectElement).value as OwnStatus)
              }
            >
              {STATUSES.map((s) => (
                <option value={s}>{t(`ivm.status.${s}`)}</option>
              ))}
            </select>
          </label>
          <span class="ivm-link muted" data-link={state.link}>
            {t(`ivm.link.${state.link}`)}
          </span>
        </div>
        <ContactList
          messenger={messenger}
          contacts={state.contacts}
          selected={valid}
          onToggle={toggle}
        />
        <GroupList messenger={messenger} groups={state.groups} selected={valid} onToggle={toggle} />
        <label class="ivm-anyone">
          <input
            type="checkbox"
            checked={state.allowAnyone}
            onChange={(e) => void messenger.setAllowAnyone((e.target as HTMLInputElement).checked)}
          />
          {t('ivm.allowAnyone')}
        </label>
      </aside>
      <section class="ivm-main">
        <h1>{t('ivm.title')}</h1>
        <NoticeBar notice={state.notice} onDismiss={() => messenger.dismissNotice()} />
        <LiveNow live={state.live} />
        <TalkPanel messenger={messenger} destination={valid} names={names} />
        <ReceivedList messenger={messenger} messages={state.received} />
        <SentList sent={state.sent} contacts={state.contacts} />
      </section>
    </div>
  );
}
