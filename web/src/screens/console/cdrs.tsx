import { useEffect, useState } from 'preact/hooks';
import { api, apiLink } from '../../api';
import { useI18n } from '../../i18n';
import { BarChart, colorOf } from './bar-chart';
import { daysBetween, localDay, summarize, type ChannelOf } from './cdr-summary';
import { explain } from './explain';
import type { Cdr, Resource } from './types';

const LIMIT = 100_000;
const MAX_DAYS = 366;

/** The period as the API reads it: from the start of the first day to the start of the day after the last. */
function periodQuery(from: string, to: string): Record<string, string> {
  const end = new Date(`${to}T00:00:00`);
  end.setDate(end.getDate() + 1);
  return { from: new Date(`${from}T00:00:00`).toISOString(), to: end.toISOString() };
}

function lastWeek(): { from: string; to: string } {
  const start = new Date();
  start.setDate(start.getDate() - 6);
  return { from: localDay(start), to: localDay(new Date()) };
}

/** Call detail records of a period: attempts and cost per day and channel, and the CSV for billing. */
export function Cdrs() {
  const { t, language } = useI18n();
  const [draft, setDraft] = useState(lastWeek);
  const [period, setPeriod] = useState(draft);
  const [by, setBy] = useState<ChannelOf>('resource');
  const [data, setData] = useState<{ cdrs: Cdr[]; resources: Resource[] } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    setData(null);
    const q = new URLSearchParams({ ...periodQuery(period.from, period.to), limit: `${LIMIT}` });
    Promise.all([
      api<{ cdrs: Cdr[] }>('GET', `/cdrs?${q}`),
      api<{ resources: Resource[] }>('GET', '/resources'),
    ]).then(
      ([c, r]) => current && (setData({ cdrs: c.cdrs, resources: r.resources }), setError(null)),
      (err: unknown) => current && setError(explain(err, t)),
    );
    return () => {
      current = false;
    };
  }, [period]);

  const show = (e: Event) => {
    e.preventDefault();
    if (!draft.from || !draft.to || draft.from > draft.to)
      return setError(t('console.cdrs.badPeriod'));
    if (daysBetween(draft.from, draft.to).length > MAX_DAYS)
      return setError(t('console.cdrs.tooLong'));
    setError(null);
    setPeriod({ ...draft });
  };

  const summary = data && summarize(data.cdrs, data.resources, by, period.from, period.to);
  const currency = summary?.currencies.length === 1 ? summary.currencies[0] : undefined;
  const money = new Intl.NumberFormat(
    language,
    currency
      ? { style: 'currency', currency, maximumFractionDigits: 4 }
      : { maximumFractionDigits: 4 },
  );
  const count = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
  const dayFormat = new Intl.DateTimeFormat(language, { day: 'numeric', month: 'numeric' });
  const dayLabel = (day: string) => dayFormat.format(new Date(`${day}T00:00:00`));
  const csv = apiLink('/cdrs', { format: 'csv', ...periodQuery(period.from, period.to) });
  const rows = summary
    ? summary.days.flatMap((day) =>
        summary.channels
          .filter((ch) => summary.attempts.get(day)?.has(ch))
          .map((ch) => ({
            day,
            ch,
            attempts: summary.attempts.get(day)!.get(ch)!,
            cost: summary.cost.get(day)?.get(ch) ?? 0,
          })),
      )
    : [];

  return (
    <section aria-labelledby="cdrs-title" class="cdrs">
      <h2 id="cdrs-title">{t('console.tab.cdrs')}</h2>
      <form class="period" onSubmit={show}>
        <label>
          {t('console.cdrs.from')}
          <input
            type="date"
            name="from"
            required
            value={draft.from}
            onInput={(e) => setDraft({ ...draft, from: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label>
          {t('console.cdrs.to')}
          <input
            type="date"
            name="to"
            required
            value={draft.to}
            onInput={(e) => setDraft({ ...draft, to: (e.target as HTMLInputElement).value })}
          />
        </label>
        <button type="submit">{t('console.cdrs.show')}</button>
        <label>
          {t('console.cdrs.by')}
          <select
            name="by"
            value={by}
            onChange={(e) => setBy((e.target as HTMLSelectElement).value as ChannelOf)}
          >
            <option value="resource">{t('console.cdrs.byResource')}</option>
            <option value="type">{t('console.cdrs.byType')}</option>
          </select>
        </label>
        <a class="button" href={csv} download={`cdrs-${period.from}-${period.to}.csv`}>
          {t('console.cdrs.csv')}
        </a>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {data && data.cdrs.length >= LIMIT && (
        <p class="notice">{t('console.cdrs.truncated', { n: LIMIT })}</p>
      )}
      {summary && summary.currencies.length > 1 && (
        <p class="notice">
          {t('console.cdrs.currencies', { list: summary.currencies.join(', ') })}
        </p>
      )}
      {summary && data!.cdrs.length === 0 && <p class="empty">{t('console.cdrs.none')}</p>}
      {summary && data!.cdrs.length > 0 && (
        <>
          <ul class="legend" aria-label={t('console.cdrs.legend')}>
            {summary.channels.map((ch, i) => (
              <li>
                <span class="swatch" style={{ background: colorOf(i) }} />
                {ch}
              </li>
            ))}
          </ul>
          <div class="charts">
            <figure>
              <figcaption>{t('console.cdrs.attemptsChart')}</figcaption>
              <BarChart
                label={t('console.cdrs.attemptsChart')}
                days={summary.days}
                channels={summary.channels}
                values={summary.attempts}
                integer
                format={(n) => count.format(n)}
                dayLabel={dayLabel}
              />
            </figure>
            <figure>
              <figcaption>{t('console.cdrs.costChart')}</figcaption>
              <BarChart
                label={t('console.cdrs.costChart')}
                days={summary.days}
                channels={summary.channels}
                values={summary.cost}
                format={(n) => money.format(n)}
                dayLabel={dayLabel}
              />
            </figure>
          </div>
          <table class="console-table cdr-days">
            <caption class="visually-hidden">{t('console.cdrs.table')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('console.cdrs.day')}</th>
                <th scope="col">{t('console.cdrs.channel')}</th>
                <th scope="col" class="num">
                  {t('console.cdrs.attempts')}
                </th>
                <th scope="col" class="num">
                  {t('console.cdrs.cost')}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr data-day={r.day} data-channel={r.ch}>
                  <td>{dayLabel(r.day)}</td>
                  <td>{r.ch}</td>
                  <td class="num">{count.format(r.attempts)}</td>
                  <td class="num">{money.format(r.cost)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
