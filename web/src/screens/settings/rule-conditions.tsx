import { useI18n, type TextKey } from '../../i18n';
import { DigestChoice } from './digest-choice';
import { conditionsSet, WEEKDAYS, type ConditionsDraft, type Weekday } from './notification-rules';

/**
 * The "edit conditions" disclosure of one rule: which senders count, how long a voice message
 * must be, the hours it applies in, and whether its notices wait for a digest. A native
 * <details>, so it opens from the keyboard; it opens by itself when a field in it is wrong.
 */
export function RuleConditions(props: {
  id: string;
  name: string;
  timed: boolean;
  value: ConditionsDraft;
  invalid: Set<string>;
  open: boolean;
  onToggle(open: boolean): void;
  onChange(value: ConditionsDraft): void;
}) {
  const { t } = useI18n();
  const { id, value, invalid } = props;
  const set = (patch: Partial<ConditionsDraft>) => props.onChange({ ...value, ...patch });
  const count = conditionsSet(value);
  const bad = (field: string) => invalid.has(field) || undefined;
  const text = (field: 'include' | 'exclude', label: TextKey) => (
    <label>
      {t(label)}
      <input
        id={`${id}-${field}`}
        name={`${id}-${field}`}
        type="text"
        spellcheck={false}
        autoComplete="off"
        placeholder={field === 'include' ? '+4930*, *@example.com' : '+4930555*'}
        aria-describedby={`${id}-senders-help`}
        aria-invalid={bad(`${id}-${field}`)}
        value={value[field]}
        onInput={(e) => set({ [field]: (e.target as HTMLInputElement).value })}
      />
    </label>
  );
  const toggleDay = (day: Weekday, on: boolean) =>
    set({ days: on ? [...value.days, day] : value.days.filter((d) => d !== day) });

  return (
    <details
      class="conditions"
      open={props.open}
      onToggle={(e) => props.onToggle((e.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>
        {t('settings.conditions.edit', { type: props.name })}
        <span class="count">
          {count ? t('settings.conditions.count', { count }) : t('settings.conditions.none')}
        </span>
      </summary>
      <div class="conditions-body">
        <fieldset class="senders">
          <legend>{t('settings.conditions.senders')}</legend>
          {text('include', 'settings.conditions.include')}
          {text('exclude', 'settings.conditions.exclude')}
          <p id={`${id}-senders-help`} class="help">
            {t('settings.conditions.sendersHelp')}
          </p>
        </fieldset>
        {props.timed && (
          <label>
            {t('settings.conditions.minSeconds')}
            <input
              id={`${id}-min`}
              name={`${id}-min`}
              type="number"
              inputMode="numeric"
              min={0}
              max={3600}
              aria-describedby={`${id}-min-help`}
              aria-invalid={bad(`${id}-min`)}
              value={value.minSeconds}
              onInput={(e) => set({ minSeconds: (e.target as HTMLInputElement).value })}
            />
            <span id={`${id}-min-help`} class="help">
              {t('settings.conditions.minSecondsHelp')}
            </span>
          </label>
        )}
        <fieldset class="hours">
          <legend>{t('settings.conditions.hours')}</legend>
          <label class="check">
            <input
              type="checkbox"
              name={`${id}-hours`}
              checked={value.hoursOn}
              onChange={(e) => set({ hoursOn: (e.target as HTMLInputElement).checked })}
            />
            {t('settings.conditions.hoursOn')}
          </label>
          <div
            class="days"
            id={`${id}-days`}
            role="group"
            aria-label={t('settings.conditions.days')}
            aria-invalid={bad(`${id}-days`)}
          >
            {WEEKDAYS.map((day) => (
              <label class="check day">
                <input
                  type="checkbox"
                  name={`${id}-day-${day}`}
                  disabled={!value.hoursOn}
                  checked={value.days.includes(day)}
                  onChange={(e) => toggleDay(day, (e.target as HTMLInputElement).checked)}
                />
                <abbr title={t(`settings.day.${day}` as TextKey)}>
                  {t(`settings.dayShort.${day}` as TextKey)}
                </abbr>
              </label>
            ))}
          </div>
          <div class="times">
            <label>
              {t('settings.conditions.from')}
              <input
                id={`${id}-start`}
                type="time"
                disabled={!value.hoursOn}
                aria-invalid={bad(`${id}-start`)}
                value={value.start}
                onInput={(e) => set({ start: (e.target as HTMLInputElement).value })}
              />
            </label>
            <label>
              {t('settings.conditions.to')}
              <input
                id={`${id}-end`}
                type="time"
                disabled={!value.hoursOn}
                aria-invalid={bad(`${id}-end`)}
                value={value.end}
                onInput={(e) => set({ end: (e.target as HTMLInputElement).value })}
              />
            </label>
          </div>
          <label class="check">
            <input
              type="checkbox"
              name={`${id}-outside`}
              disabled={!value.hoursOn}
              checked={value.outside}
              onChange={(e) => set({ outside: (e.target as HTMLInputElement).checked })}
            />
            {t('settings.conditions.outside')}
          </label>
        </fieldset>
        <DigestChoice
          id={`${id}-digest`}
          legend={t('settings.conditions.digest')}
          level="rule"
          value={value.digest}
          invalid={invalid}
          onChange={(digest) => set({ digest })}
        />
      </div>
    </details>
  );
}
