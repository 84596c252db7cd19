import { useMemo, useState } from 'preact/hooks';
import { api, type Me } from '../../api';
import { LANGUAGES, useI18n } from '../../i18n';
import { SaveStatus, useSave } from './save-status';

/** Every IANA zone the browser knows, with UTC (which some browsers leave out) and the current one. */
function timeZones(current: string): string[] {
  const known =
    typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', current, ...known])].sort();
}

/** Name, and the language and time zone that calls and notices use. */
export function ProfileSection({ me, onSaved }: { me: Me; onSaved(me: Me): void }) {
  const { t } = useI18n();
  const [name, setName] = useState(me.name);
  const [language, setLanguage] = useState(me.language);
  const [timeZone, setTimeZone] = useState(me.timeZone);
  const zones = useMemo(() => timeZones(me.timeZone), [me.timeZone]);
  const save = useSave();

  const submit = (e: Event) => {
    e.preventDefault();
    void save.run(async () => onSaved(await api<Me>('PATCH', '/me', { name, language, timeZone })));
  };

  return (
    <section class="settings-section" aria-labelledby="settings-profile">
      <h2 id="settings-profile">{t('settings.profile')}</h2>
      <form onSubmit={submit} class="fields">
        <label>
          {t('settings.name')}
          <input
            name="name"
            type="text"
            required
            maxLength={200}
            autoComplete="name"
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          {t('settings.language')}
          <select
            name="language"
            value={language}
            onChange={(e) => setLanguage((e.target as HTMLSelectElement).value)}
          >
            {!LANGUAGES[language] && <option value={language}>{language}</option>}
            {Object.entries(LANGUAGES).map(([code, l]) => (
              <option value={code}>{l.name}</option>
            ))}
          </select>
        </label>
        <label>
          {t('settings.timeZone')}
          <select
            name="timeZone"
            value={timeZone}
            onChange={(e) => setTimeZone((e.target as HTMLSelectElement).value)}
          >
            {zones.map((zone) => (
              <option value={zone}>{zone.replace(/_/g, ' ')}</option>
            ))}
          </select>
        </label>
        <div class="buttons">
          <button type="submit" class="primary" disabled={save.state.kind === 'saving'}>
            {save.state.kind === 'saving' ? t('settings.saving') : t('settings.save')}
          </button>
        </div>
        <SaveStatus state={save.state} />
      </form>
    </section>
  );
}
