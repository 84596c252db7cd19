import { useI18n } from '../../i18n';
import type { DigestDraft, DigestMode } from './notification-rules';

/**
 * When notices go: at once, every N minutes or hours, or daily at a time; for a rule also "as
 * the account". Radio buttons, so the arrow keys move between the choices; the number and the
 * time belong to their choice and are only enabled with it.
 */
export function DigestChoice(props: {
  id: string;
  legend: string;
  level: 'account' | 'rule';
  value: DigestDraft;
  invalid: Set<string>;
  onChange(value: DigestDraft): void;
}) {
  const { t } = useI18n();
  const { id, value, invalid } = props;
  const set = (patch: Partial<DigestDraft>) => props.onChange({ ...value, ...patch });
  const modes: DigestMode[] =
    props.level === 'rule' ? ['account', 'now', 'interval', 'daily'] : ['now', 'interval', 'daily'];
  const radio = (mode: DigestMode) => (
    <input
      type="radio"
      name={id}
      value={mode}
      checked={value.mode === mode}
      onChange={() => set({ mode })}
    />
  );

  return (
    <fieldset class="digest" id={id} aria-describedby={`${id}-help`}>
      <legend>{props.legend}</legend>
      {modes.includes('account') && (
        <label class="check">
          {radio('account')}
          {t('settings.digest.account')}
        </label>
      )}
      <label class="check">
        {radio('now')}
        {t('settings.digest.now')}
      </label>
      <div class="digest-option">
        <label class="check">
          {radio('interval')}
          {t('settings.digest.every')}
        </label>
        <input
          id={`${id}-amount`}
          type="number"
          inputMode="numeric"
          min={1}
          max={value.unit === 'hours' ? 24 : 1440}
          aria-label={t('settings.digest.amount')}
          aria-invalid={invalid.has(`${id}-amount`) || undefined}
          disabled={value.mode !== 'interval'}
          value={value.amount}
          onInput={(e) => set({ amount: (e.target as HTMLInputElement).value })}
        />
        <select
          aria-label={t('settings.digest.unit')}
          disabled={value.mode !== 'interval'}
          value={value.unit}
          onChange={(e) =>
            set({ unit: (e.target as HTMLSelectElement).value as DigestDraft['unit'] })
          }
        >
          <option value="minutes">{t('settings.digest.minutes')}</option>
          <option value="hours">{t('settings.digest.hours')}</option>
        </select>
      </div>
      <div class="digest-option">
        <label class="check">
          {radio('daily')}
          {t('settings.digest.daily')}
        </label>
        <input
          id={`${id}-at`}
          type="time"
          aria-label={t('settings.digest.at')}
          aria-invalid={invalid.has(`${id}-at`) || undefined}
          disabled={value.mode !== 'daily'}
          value={value.at}
          onInput={(e) => set({ at: (e.target as HTMLInputElement).value })}
        />
      </div>
      <p id={`${id}-help`} class="help">
        {props.level === 'account' ? t('settings.digest.help') : t('settings.digest.ruleHelp')}
      </p>
    </fieldset>
  );
}
