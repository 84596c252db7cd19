import { useState } from 'preact/hooks';
import { api, ApiError, saveToken, type Me } from '../api';
import { LANGUAGES, useI18n } from '../i18n';

export function SignIn(props: {
  onSignedIn(me: Me): void;
  language: string;
  onLanguage(language: string): void;
}) {
  const { t } = useI18n();
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // People type their address as they know it; the API wants a URI.
      const uri = /^[a-z]+:/.test(address)
        ? address
        : address.startsWith('+')
          ? `tel:${address}`
          : `mailto:${address}`;
      const session = await api<{ token: string; subscriber: Me }>('POST', '/sessions', {
        address: uri,
        password,
      });
      saveToken(session.token, remember);
      props.onSignedIn(await api<Me>('GET', '/me'));
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? t('signin.failed')
          : t('error.generic', { detail: (err as Error).message }),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">{t('signin.title')}</h1>
        <label>
          {t('signin.address')}
          <input
            name="address"
            type="text"
            autoComplete="username"
            required
            value={address}
            onInput={(e) => setAddress((e.target as HTMLInputElement).value.trim())}
          />
        </label>
        <label>
          {t('signin.password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={remember}
            onChange={(e) => setRemember((e.target as HTMLInputElement).checked)}
          />
          {t('signin.remember')}
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t('signin.submit')}
        </button>
        <select
          aria-label="Language"
          value={props.language}
          onChange={(e) => props.onLanguage((e.target as HTMLSelectElement).value)}
        >
          {Object.entries(LANGUAGES).map(([code, l]) => (
            <option value={code}>{l.name}</option>
          ))}
        </select>
      </form>
    </main>
  );
}
