import { useState } from 'preact/hooks';
import { api, type Me } from '../../api';
import { useI18n } from '../../i18n';
import { SaveStatus, useSave } from './save-status';

/** The PIN that opens the mailbox from a phone keypad: digits only, 4 to 12 of them. */
export function PinSection({ me, onSaved }: { me: Me; onSaved(me: Me): void }) {
  const { t } = useI18n();
  const [pin, setPin] = useState('');
  const save = useSave();

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!/^[0-9]{4,12}$/.test(pin)) return save.fail(t('settings.pinInvalid'));
    const ok = await save.run(async () => onSaved(await api<Me>('PATCH', '/me', { pin })), {
      saved: t('settings.pinChanged'),
    });
    if (ok) setPin('');
  };

  return (
    <section class="settings-section" aria-labelledby="settings-pin">
      <h2 id="settings-pin">{t('settings.pin')}</h2>
      <form onSubmit={submit} class="fields" noValidate>
        <p class="help">{me.hasPin ? t('settings.pinIsSet') : t('settings.pinNotSet')}</p>
        <label>
          {t('settings.newPin')}
          <input
            type="password"
            name="pin"
            inputMode="numeric"
            pattern="[0-9]{4,12}"
            minLength={4}
            maxLength={12}
            autoComplete="off"
            required
            aria-describedby="pin-help"
            value={pin}
            onInput={(e) => setPin((e.target as HTMLInputElement).value.trim())}
          />
          <span id="pin-help" class="help">
            {t('settings.pinHelp')}
          </span>
        </label>
        <div class="buttons">
          <button type="submit" class="primary" disabled={save.state.kind === 'saving'}>
            {t('settings.setPin')}
          </button>
        </div>
        <SaveStatus state={save.state} />
      </form>
    </section>
  );
}
