import { useEffect, useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { useI18n } from '../i18n';
import { GreetingsSection } from './settings/greetings';
import { NotificationsSection } from './settings/notifications';
import { PasswordSection } from './settings/password';
import { PinSection } from './settings/pin';
import { ProfileSection } from './settings/profile';
import './settings/settings.css';

/**
 * The subscriber's own settings, one section each with its own save: profile, notifications,
 * greetings, password and phone PIN. Read fresh from the server, not from the sign-in copy.
 */
export function Settings(props: { me: Me; params: URLSearchParams }) {
  const { t } = useI18n();
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Me>('GET', '/me').then(setMe, (err: Error) =>
      setError(t('error.generic', { detail: err.message })),
    );
  }, [props.me.id]);

  return (
    <div class="settings">
      <h1>{t('nav.settings')}</h1>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {me && (
        <div class="settings-grid">
          <ProfileSection me={me} onSaved={setMe} />
          <NotificationsSection me={me} onSaved={setMe} />
          <GreetingsSection />
          <PasswordSection />
          <PinSection me={me} onSaved={setMe} />
        </div>
      )}
    </div>
  );
}
