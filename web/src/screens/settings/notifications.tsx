import { useState } from 'preact/hooks';
import { api, type Me } from '../../api';
import { useI18n, type TextKey } from '../../i18n';
import {
  fromGrid,
  RULE_CHANNELS,
  RULE_TYPES,
  toGrid,
  type NotificationPreferences,
  type RuleGrid,
} from './notification-rules';
import { SaveStatus, useSave } from './save-status';

/**
 * How new messages are announced: a grid of message types by channels with an urgent-only
 * switch per type, the address email notices go to, and quiet hours that hold normal notices.
 */
export function NotificationsSection({ me, onSaved }: { me: Me; onSaved(me: Me): void }) {
  const { t } = useI18n();
  const prefs = (me.notificationPreferences ?? {}) as NotificationPreferences;
  const [grid, setGrid] = useState<RuleGrid>(() => toGrid(prefs.rules));
  const [email, setEmail] = useState(prefs.email ?? '');
  const [quiet, setQuiet] = useState(prefs.quietHours !== undefined);
  const [start, setStart] = useState(prefs.quietHours?.start ?? '22:00');
  const [end, setEnd] = useState(prefs.quietHours?.end ?? '07:00');
  const save = useSave();

  const types = [
    ...RULE_TYPES,
    ...Object.keys(grid).filter((ty) => !RULE_TYPES.includes(ty as never)),
  ];
  const typeName = (ty: string) =>
    ty === '*'
      ? t('settings.anyType')
      : RULE_TYPES.includes(ty as never)
        ? t(`type.${ty}` as TextKey)
        : ty;
  const channelName = (c: string) => t(`settings.channel.${c}` as TextKey);

  const toggle = (ty: string, channel: string, on: boolean) =>
    setGrid((g) => {
      const row = g[ty]!;
      const channels = on ? [...row.channels, channel] : row.channels.filter((c) => c !== channel);
      return { ...g, [ty]: { ...row, channels } };
    });
  const setUrgent = (ty: string, urgentOnly: boolean) =>
    setGrid((g) => ({ ...g, [ty]: { ...g[ty]!, urgentOnly } }));

  const submit = (e: Event) => {
    e.preventDefault();
    // The whole preferences object is replaced, so everything the form shows is sent.
    const notificationPreferences: NotificationPreferences = { rules: fromGrid(grid) };
    if (email.trim()) notificationPreferences.email = email.trim();
    if (quiet) notificationPreferences.quietHours = { start, end };
    void save.run(async () => onSaved(await api<Me>('PATCH', '/me', { notificationPreferences })));
  };

  return (
    <section class="settings-section" aria-labelledby="settings-notifications">
      <h2 id="settings-notifications">{t('settings.notifications')}</h2>
      <form onSubmit={submit}>
        <div class="table-scroll">
          <table class="rules">
            <caption>{t('settings.notificationsHelp')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('settings.messageType')}</th>
                {RULE_CHANNELS.map((c) => (
                  <th scope="col">{channelName(c)}</th>
                ))}
                <th scope="col">{t('settings.urgentOnly')}</th>
              </tr>
            </thead>
            <tbody>
              {types.map((ty) => {
                const row = grid[ty]!;
                return (
                  <tr data-type={ty}>
                    <th scope="row">{typeName(ty)}</th>
                    {RULE_CHANNELS.map((c) => (
                      <td>
                        <input
                          type="checkbox"
                          name={`rule-${ty}-${c}`}
                          aria-label={`${typeName(ty)}: ${channelName(c)}`}
                          checked={row.channels.includes(c)}
                          onChange={(e) => toggle(ty, c, (e.target as HTMLInputElement).checked)}
                        />
                      </td>
                    ))}
                    <td>
                      <input
                        type="checkbox"
                        name={`rule-${ty}-urgent`}
                        aria-label={`${typeName(ty)}: ${t('settings.urgentOnly')}`}
                        checked={row.urgentOnly}
                        disabled={row.channels.length === 0}
                        onChange={(e) => setUrgent(ty, (e.target as HTMLInputElement).checked)}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>

        <div class="fields">
          <label>
            {t('settings.noticeEmail')}
            <input
              name="noticeEmail"
              type="email"
              maxLength={254}
              autoComplete="email"
              aria-describedby="notice-email-help"
              value={email}
              onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
            />
            <span id="notice-email-help" class="help">
              {t('settings.noticeEmailHelp')}
            </span>
          </label>
          <fieldset class="quiet-hours">
            <legend>{t('settings.quietHours')}</legend>
            <label class="check">
              <input
                type="checkbox"
                name="quiet"
                checked={quiet}
                onChange={(e) => setQuiet((e.target as HTMLInputElement).checked)}
              />
              {t('settings.quietHoursOn')}
            </label>
            <div class="times">
              <label>
                {t('settings.quietFrom')}
                <input
                  type="time"
                  name="quietStart"
                  required={quiet}
                  disabled={!quiet}
                  value={start}
                  onInput={(e) => setStart((e.target as HTMLInputElement).value)}
                />
              </label>
              <label>
                {t('settings.quietTo')}
                <input
                  type="time"
                  name="quietEnd"
                  required={quiet}
                  disabled={!quiet}
                  value={end}
                  onInput={(e) => setEnd((e.target as HTMLInputElement).value)}
                />
              </label>
            </div>
          </fieldset>
        </div>
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
