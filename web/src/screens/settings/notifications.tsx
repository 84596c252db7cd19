import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { api, type Me } from '../../api';
import { useI18n, type TextKey } from '../../i18n';
import { DigestChoice } from './digest-choice';
import {
  CLOCK,
  conditionsDraft,
  conditionsFromDraft,
  digestDraft,
  digestFromDraft,
  fromGrid,
  gridOrder,
  RULE_CHANNELS,
  RULE_TYPES,
  rowNumber,
  rowType,
  TIMED_TYPES,
  toGrid,
  type ConditionsDraft,
  type FormProblem,
  type NotificationPreferences,
  type RuleGrid,
} from './notification-rules';
import { RuleConditions } from './rule-conditions';
import { SaveStatus, useSave } from './save-status';

/** A row key as part of an element id: `*` is "any", `voice#2` is `voice-2`. */
const slug = (key: string) => key.replace('*', 'any').replace('#', '-');

/**
 * How new messages are announced: a grid of message types by channels with an urgent-only
 * switch per type and, under each type that notifies, its conditions (senders, voice length,
 * hours, digest); the address email notices go to, the account's digest, and quiet hours that
 * hold normal notices. The form checks what it can before sending; the server's refusal, if it
 * still comes, is shown in its own words.
 */
export function NotificationsSection({ me, onSaved }: { me: Me; onSaved(me: Me): void }) {
  const { t } = useI18n();
  const prefs = (me.notificationPreferences ?? {}) as NotificationPreferences;
  const [grid, setGrid] = useState<RuleGrid>(() => toGrid(prefs.rules));
  const [drafts, setDrafts] = useState<Record<string, ConditionsDraft>>(() =>
    Object.fromEntries(Object.entries(grid).map(([key, row]) => [key, conditionsDraft(row)])),
  );
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  const [invalid, setInvalid] = useState<Set<string>>(() => new Set());
  const [digest, setDigest] = useState(() => digestDraft(prefs.digest, 'now'));
  const [email, setEmail] = useState(prefs.email ?? '');
  const [quiet, setQuiet] = useState(prefs.quietHours !== undefined);
  const [start, setStart] = useState(prefs.quietHours?.start ?? '22:00');
  const [end, setEnd] = useState(prefs.quietHours?.end ?? '07:00');
  const save = useSave();

  const keys = gridOrder(grid);
  const typeName = (key: string) => {
    const ty = rowType(key);
    const name =
      ty === '*'
        ? t('settings.anyType')
        : RULE_TYPES.includes(ty as never)
          ? t(`type.${ty}` as TextKey)
          : ty;
    return rowNumber(key) > 1 ? `${name} (${rowNumber(key)})` : name;
  };
  const channelName = (c: string) => t(`settings.channel.${c}` as TextKey);

  const toggle = (ty: string, channel: string, on: boolean) =>
    setGrid((g) => {
      const row = g[ty]!;
      const channels = on ? [...row.channels, channel] : row.channels.filter((c) => c !== channel);
      return { ...g, [ty]: { ...row, channels } };
    });
  const setUrgent = (ty: string, urgentOnly: boolean) =>
    setGrid((g) => ({ ...g, [ty]: { ...g[ty]!, urgentOnly } }));
  const setOpenRow = (key: string, on: boolean) =>
    setOpen((o) => {
      if (o.has(key) === on) return o;
      const next = new Set(o);
      if (on) next.add(key);
      else next.delete(key);
      return next;
    });

  /** Shows what is wrong: every problem in the alert, the fields marked, the first focused. */
  const refuse = (problems: (FormProblem & { where: string })[], openRows: string[]) => {
    setInvalid(new Set(problems.map((p) => p.field)));
    setOpen((o) => new Set([...o, ...openRows]));
    save.fail(
      [
        t('settings.error.intro'),
        ...problems.map((p) => `${p.where}: ${t(p.key as TextKey, p.vars)}`),
      ].join('\n'),
    );
    const first = problems[0]!.field;
    requestAnimationFrame(() => {
      const el = document.getElementById(first);
      const target = el instanceof HTMLInputElement ? el : el?.querySelector('input');
      target?.focus();
    });
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const problems: (FormProblem & { where: string })[] = [];
    const openRows: string[] = [];
    const rows: RuleGrid = {};
    for (const key of keys) {
      const row = grid[key]!;
      rows[key] = { channels: row.channels, urgentOnly: row.urgentOnly };
      // A type that notifies nobody sends no rule, so its conditions are neither checked nor sent.
      if (row.channels.length === 0) continue;
      const timed = TIMED_TYPES.includes(rowType(key));
      const checked = conditionsFromDraft(drafts[key]!, `cond-${slug(key)}`, timed);
      Object.assign(rows[key], checked.value);
      if (checked.problems.length) openRows.push(key);
      for (const p of checked.problems) problems.push({ ...p, where: typeName(key) });
    }
    const account = digestFromDraft(digest, 'account', 'digest');
    if ('problem' in account)
      problems.push({ ...account.problem, where: t('settings.digest.title') });
    // The form checks itself (noValidate), so that every problem is said in one place.
    if (email.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()))
      problems.push({
        field: 'notice-email',
        key: 'settings.error.email',
        where: t('settings.noticeEmail'),
      });
    for (const [field, value] of [
      ['quiet-start', start],
      ['quiet-end', end],
    ] as const)
      if (quiet && !CLOCK.test(value))
        problems.push({ field, key: 'settings.error.time', where: t('settings.quietHours') });
    if (problems.length) return refuse(problems, openRows);
    setInvalid(new Set());

    // The whole preferences object is replaced, so everything the form shows is sent, and what
    // it does not show (where account notices go) is sent back as it was.
    const notificationPreferences: NotificationPreferences = { rules: fromGrid(rows) };
    if (email.trim()) notificationPreferences.email = email.trim();
    if (quiet) notificationPreferences.quietHours = { start, end };
    if ('value' in account && account.value) notificationPreferences.digest = account.value;
    if (prefs.accountNotices) notificationPreferences.accountNotices = prefs.accountNotices;
    void save.run(async () => onSaved(await api<Me>('PATCH', '/me', { notificationPreferences })), {
      explain: (err) => t('settings.failed', { detail: err.detail || err.title }),
    });
  };

  return (
    <section class="settings-section" aria-labelledby="settings-notifications">
      <h2 id="settings-notifications">{t('settings.notifications')}</h2>
      <form onSubmit={submit} noValidate>
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
              {keys.map((ty) => {
                const row = grid[ty]!;
                const notifies = row.channels.length > 0;
                return (
                  <Fragment key={ty}>
                    <tr data-type={ty} class={notifies ? 'has-conditions' : undefined}>
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
                          disabled={!notifies}
                          onChange={(e) => setUrgent(ty, (e.target as HTMLInputElement).checked)}
                        />
                      </td>
                    </tr>
                    {notifies && (
                      <tr class="conditions-row" data-conditions={ty}>
                        <td colSpan={RULE_CHANNELS.length + 2}>
                          <RuleConditions
                            id={`cond-${slug(ty)}`}
                            name={typeName(ty)}
                            timed={TIMED_TYPES.includes(rowType(ty))}
                            value={drafts[ty]!}
                            invalid={invalid}
                            open={open.has(ty)}
                            onToggle={(on) => setOpenRow(ty, on)}
                            onChange={(d) => setDrafts((all) => ({ ...all, [ty]: d }))}
                          />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>

        <div class="fields">
          <label>
            {t('settings.noticeEmail')}
            <input
              id="notice-email"
              name="noticeEmail"
              aria-invalid={invalid.has('notice-email') || undefined}
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
          <DigestChoice
            id="digest"
            legend={t('settings.digest.title')}
            level="account"
            value={digest}
            invalid={invalid}
            onChange={setDigest}
          />
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
                  id="quiet-start"
                  name="quietStart"
                  aria-invalid={invalid.has('quiet-start') || undefined}
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
                  id="quiet-end"
                  name="quietEnd"
                  aria-invalid={invalid.has('quiet-end') || undefined}
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
