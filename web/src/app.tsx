import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, saveToken, savedToken, type Me } from './api';
import { I18n, LANGUAGES, translator } from './i18n';
import { SignIn } from './screens/sign-in';
import { Inbox } from './screens/inbox';
import { MessageView } from './screens/message-view';
import { Compose } from './screens/compose';
import { Settings } from './screens/settings';
import { Console } from './screens/console';
import { Conversations } from './screens/conversations';
import { ConversationView } from './screens/conversation';
import { MessengerScreen } from './screens/ivm/messenger-screen';
import { closeMessenger } from './ivm/messenger';

const LANGUAGE_KEY = 'switchboard.language';

/** Where the app is: `#/` the list (with folder/type/q), `#/m/<id>` one message, and so on. */
export interface Route {
  screen: string;
  id?: string;
  params: URLSearchParams;
}

function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const [, screen = '', id] = path.split('/');
  return { screen: screen || 'inbox', id, params: new URLSearchParams(query) };
}

export function navigate(path: string): void {
  location.hash = path;
}

export function App() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(() => savedToken() !== null);
  const [language, setLanguage] = useState(
    () => localStorage.getItem(LANGUAGE_KEY) ?? (navigator.language.startsWith('de') ? 'de' : 'en'),
  );
  const i18n = useMemo(() => ({ t: translator(language), language }), [language]);

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  useEffect(() => {
    if (!savedToken()) return;
    api<Me>('GET', '/me')
      .then(setMe, (err: unknown) => {
        // An expired or revoked token: back to the sign-in form.
        if (err instanceof ApiError && err.status === 401) saveToken(null);
      })
      .finally(() => setChecking(false));
  }, []);

  const chooseLanguage = (value: string) => {
    localStorage.setItem(LANGUAGE_KEY, value);
    setLanguage(value);
  };
  const signOut = async () => {
    await api('DELETE', '/sessions/current').catch(() => undefined);
    closeMessenger();
    saveToken(null);
    setMe(null);
    navigate('/');
  };

  const t = i18n.t;
  if (checking) return null;
  return (
    <I18n.Provider value={i18n}>
      {!me ? (
        <SignIn onSignedIn={setMe} language={language} onLanguage={chooseLanguage} />
      ) : (
        <div class="shell">
          <header class="topbar">
            <a class="brand" href="#/">
              {t('app.title')}
            </a>
            <nav aria-label="main">
              <a href="#/" aria-current={route.screen === 'inbox' ? 'page' : undefined}>
                {t('nav.inbox')}
              </a>
              <a href="#/sms" aria-current={route.screen === 'sms' ? 'page' : undefined}>
                {t('nav.sms')}
              </a>
              <a href="#/ivm" aria-current={route.screen === 'ivm' ? 'page' : undefined}>
                {t('nav.ivm')}
              </a>
              <a href="#/compose" aria-current={route.screen === 'compose' ? 'page' : undefined}>
                {t('nav.compose')}
              </a>
              <a href="#/settings" aria-current={route.screen === 'settings' ? 'page' : undefined}>
                {t('nav.settings')}
              </a>
              {me.role === 'admin' && (
                <a href="#/console" aria-current={route.screen === 'console' ? 'page' : undefined}>
                  {t('nav.console')}
                </a>
              )}
            </nav>
            <span class="spacer" />
            <label class="language">
              <span class="visually-hidden">{t('nav.language')}</span>
              <select
                value={language}
                onChange={(e) => chooseLanguage((e.target as HTMLSelectElement).value)}
              >
                {Object.entries(LANGUAGES).map(([code, l]) => (
                  <option value={code}>{l.name}</option>
                ))}
              </select>
            </label>
            <span class="who" title={me.addresses.join(', ')}>
              {me.name}
            </span>
            <button type="button" class="link" onClick={signOut}>
              {t('nav.signout')}
            </button>
          </header>
          <main>
            {route.screen === 'm' && route.id ? (
              <MessageView id={route.id} me={me} />
            ) : route.screen === 'sms' && route.id ? (
              <ConversationView number={decodeURIComponent(route.id)} me={me} />
            ) : route.screen === 'sms' ? (
              <Conversations />
            ) : route.screen === 'ivm' ? (
              <MessengerScreen me={me} />
            ) : route.screen === 'compose' ? (
              <Compose me={me} params={route.params} />
            ) : route.screen === 'settings' ? (
              <Settings me={me} params={route.params} />
            ) : route.screen === 'console' && me.role === 'admin' ? (
              <Console me={me} params={route.params} />
            ) : (
              <Inbox route={route} />
            )}
          </main>
        </div>
      )}
    </I18n.Provider>
  );
}
