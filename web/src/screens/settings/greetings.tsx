import { useCallback, useEffect, useState } from 'preact/hooks';
import { useI18n } from '../../i18n';
import { GreetingCard } from './greeting-card';
import { GREETING_KINDS, listGreetings, type GreetingList } from './greetings-api';

/** The three greetings callers hear, each recorded or uploaded on its own. */
export function GreetingsSection() {
  const { t } = useI18n();
  const [list, setList] = useState<GreetingList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setList(await listGreetings());
      setError(null);
    } catch (err) {
      setError(t('error.generic', { detail: (err as Error).message }));
    }
  }, []);
  useEffect(() => void load(), [load]);

  return (
    <section class="settings-section greetings" aria-labelledby="settings-greetings">
      <h2 id="settings-greetings">{t('settings.greetings')}</h2>
      {list && (
        <p class="help">{t('settings.greetingsHelp', { seconds: list.limits.maxSeconds })}</p>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {list && (
        <div class="greeting-cards">
          {GREETING_KINDS.map((kind) => (
            <GreetingCard
              kind={kind}
              current={list.greetings.find((g) => g.kind === kind) ?? null}
              maxSeconds={list.limits.maxSeconds}
              onChanged={load}
            />
          ))}
        </div>
      )}
    </section>
  );
}
