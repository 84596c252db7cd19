import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { SaveStatus, useSave } from './save-status';

/** A new password, allowed only with the current one (the API checks it). */
export function PasswordSection() {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const save = useSave();

  const submit = async (e: Event) => {
    e.preventDefault();
    if (next !== again) return save.fail(t('settings.passwordMismatch'));
    const ok = await save.run(
      () => api('PATCH', '/me', { password: next, currentPassword: current }),
      {
        saved: t('settings.passwordChanged'),
        explain: (err) => (err.status === 401 ? t('settings.passwordWrong') : null),
      },
    );
    // Secrets do not linger in the form once they have done their job.
    if (ok) {
      setCurrent('');
      setNext('');
      setAgain('');
    }
  };

  const field = (
    label: string,
    name: string,
    value: string,
    set: (v: string) => void,
    autoComplete: string,
  ) => (
    <label>
      {label}
      <input
        type="password"
        name={name}
        required
        minLength={name === 'currentPassword' ? 1 : 8}
        maxLength={256}
        autoComplete={autoComplete}
        value={value}
        onInput={(e) => set((e.target as HTMLInputElement).value)}
      />
    </label>
  );

  return (
    <section class="settings-section" aria-labelledby="settings-password">
      <h2 id="settings-password">{t('settings.password')}</h2>
      <form onSubmit={submit} class="fields" noValidate>
        {field(
          t('settings.currentPassword'),
          'currentPassword',
          current,
          setCurrent,
          'current-password',
        )}
        {field(t('settings.newPassword'), 'newPassword', next, setNext, 'new-password')}
        {field(t('settings.confirmPassword'), 'confirmPassword', again, setAgain, 'new-password')}
        <p class="help">{t('settings.passwordHelp')}</p>
        <div class="buttons">
          <button type="submit" class="primary" disabled={save.state.kind === 'saving'}>
            {t('settings.changePassword')}
          </button>
        </div>
        <SaveStatus state={save.state} />
      </form>
    </section>
  );
}
