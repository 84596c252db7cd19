import { useState } from 'preact/hooks';
import type { Group } from '../../ivm/frames';
import type { Messenger } from '../../ivm/messenger';
import { useI18n } from '../../i18n';

/** Named groups: pick one as the recipient, make one from the contacts ticked, delete one. */
export function GroupList(props: {
  messenger: Messenger;
  groups: Group[];
  selected: string[];
  onToggle(destination: string): void;
}) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const members = props.selected.filter((s) => !s.startsWith('group:'));
  return (
    <section class="ivm-groups" aria-label={t('ivm.groups')}>
      <h2>{t('ivm.groups')}</h2>
      <ul>
        {props.groups.map((g) => (
          <li class="group" data-name={g.name}>
            <label>
              <input
                type="checkbox"
                checked={props.selected.includes(`group:${g.name}`)}
                onChange={() => props.onToggle(`group:${g.name}`)}
              />
              <span class="name">{g.name}</span>{' '}
              <span class="muted">{t('ivm.members', { n: g.members.length })}</span>
            </label>
            <button
              type="button"
              class="link remove"
              aria-label={t('ivm.deleteGroup', { name: g.name })}
              onClick={() => void props.messenger.saveGroup(g.name, [])}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form
        class="ivm-add"
        onSubmit={(e) => {
          e.preventDefault();
          if (!name.trim()) return;
          if (!members.length) {
            props.messenger.problem('noGroupMembers');
            return;
          }
          void props.messenger.saveGroup(name.trim(), members);
          setName('');
        }}
      >
        <label>
          {t('ivm.groupName')}
          <input
            type="text"
            name="group"
            value={name}
            autocomplete="off"
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">{t('ivm.makeGroup', { n: members.length })}</button>
      </form>
    </section>
  );
}
