/** Notification preferences as the API keeps them (see PATCH /api/v1/me, docs/notifications.md). */
export type DigestSchedule = { intervalMinutes: number } | { dailyAt: string };

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface BusinessHours {
  days: Weekday[];
  start: string;
  end: string;
  outside?: boolean;
}

/** What narrows a rule down: senders, voice length, hours, and when its notices go. */
export interface RuleConditions {
  from?: { include?: string[]; exclude?: string[] };
  minDurationSeconds?: number;
  hours?: BusinessHours;
  digest?: DigestSchedule | false;
}

export interface NotificationRule extends RuleConditions {
  messageType: string;
  channels: string[];
  urgentOnly?: boolean;
}

export interface NotificationPreferences {
  rules?: NotificationRule[];
  quietHours?: { start: string; end: string };
  email?: string;
  digest?: DigestSchedule;
  accountNotices?: { channels: string[] };
}

/** Rows of the editor: '*' is any message; then each type a message can have. */
export const RULE_TYPES = ['*', 'voice', 'fax', 'email', 'sms', 'ivm', 'text'] as const;
/** Columns: the outbound resource types a notice can go through. */
export const RULE_CHANNELS = ['email', 'webhook', 'sms'] as const;
/** Types whose messages have a length, so "minimum voice length" means something for them. */
export const TIMED_TYPES: readonly string[] = ['*', 'voice', 'ivm'];

/** `smtp` is the resource's name for what people call email. */
const ALIASES: Record<string, string> = { smtp: 'email' };

/** The editor's model: per row, the channels, whether only urgent ones count, and conditions. */
export type GridRow = { channels: string[]; urgentOnly: boolean } & RuleConditions;
/**
 * Keyed by message type; a second rule for a type with other conditions gets its own row,
 * keyed `voice#2` (two voice rules: SMS in office hours, email outside them).
 */
export type RuleGrid = Record<string, GridRow>;

/** The message type of a row key (`voice#2` is a voice rule). */
export const rowType = (key: string) => key.replace(/#\d+$/, '');
/** 1 for a type's first row, 2 for `voice#2`, … */
export const rowNumber = (key: string) => Number(/#(\d+)$/.exec(key)?.[1] ?? 1);

function conditionsOf(rule: RuleConditions): RuleConditions {
  const c: RuleConditions = {};
  if (rule.from !== undefined) c.from = rule.from;
  if (rule.minDurationSeconds !== undefined) c.minDurationSeconds = rule.minDurationSeconds;
  if (rule.hours !== undefined) c.hours = rule.hours;
  if (rule.digest !== undefined) c.digest = rule.digest;
  return c;
}

const sameConditions = (a: RuleConditions, b: RuleConditions) =>
  JSON.stringify(conditionsOf(a)) === JSON.stringify(conditionsOf(b));

/**
 * Rules to rows. Several rules for a type with the same conditions merge into one row; its
 * channels are their union and it is urgent-only only if all of them were. A rule with other
 * conditions than the type's row gets a row of its own, so nothing is lost. Channels the editor
 * has no column for are kept, so saving does not drop what another client set.
 */
export function toGrid(rules: NotificationRule[] = []): RuleGrid {
  const grid: RuleGrid = {};
  for (const type of RULE_TYPES) grid[type] = { channels: [], urgentOnly: false };
  const seen = new Set<string>();
  for (const rule of rules) {
    const conditions = conditionsOf(rule);
    let key = rule.messageType;
    for (let n = 2; seen.has(key) && !sameConditions(grid[key]!, conditions); n++)
      key = `${rule.messageType}#${n}`;
    const row = (grid[key] ??= { channels: [], urgentOnly: false });
    const channels = rule.channels.map((c) => ALIASES[c] ?? c);
    row.channels = [...new Set([...row.channels, ...channels])];
    row.urgentOnly = seen.has(key) ? row.urgentOnly && !!rule.urgentOnly : !!rule.urgentOnly;
    if (!seen.has(key)) Object.assign(row, conditions);
    seen.add(key);
  }
  return grid;
}

/** Row keys in the editor's order: the known types (each with its extra rows), then the rest. */
export function gridOrder(grid: RuleGrid): string[] {
  const keys = Object.keys(grid);
  const types = [
    ...RULE_TYPES,
    ...keys.map(rowType).filter((ty) => !RULE_TYPES.includes(ty as never)),
  ];
  return [...new Set(types)].flatMap((ty) =>
    keys.filter((k) => rowType(k) === ty).sort((a, b) => rowNumber(a) - rowNumber(b)),
  );
}

/** One rule per row that notifies through at least one channel, in the editor's order. */
export function fromGrid(grid: RuleGrid): NotificationRule[] {
  return gridOrder(grid).flatMap((key) => {
    const row = grid[key];
    if (!row || row.channels.length === 0) return [];
    const rule: NotificationRule = { messageType: rowType(key), channels: row.channels };
    if (row.urgentOnly) rule.urgentOnly = true;
    return [{ ...rule, ...conditionsOf(row) }];
  });
}

// ---------------------------------------------------------------------------------------------
// What the form holds while it is edited (text as typed), and turning it into the API's shape.

/** A problem the form found, as a text key with its values, and the field to go to. */
export interface FormProblem {
  field: string;
  key: string;
  vars?: Record<string, string | number>;
}

/** `account` (only for a rule): as the whole account; `now`: one notice per message. */
export type DigestMode = 'account' | 'now' | 'interval' | 'daily';
export interface DigestDraft {
  mode: DigestMode;
  amount: string;
  unit: 'minutes' | 'hours';
  at: string;
}

/** The form's view of a digest; `unset` is what no digest at all means at this level. */
export function digestDraft(
  digest: DigestSchedule | false | undefined,
  unset: 'account' | 'now',
): DigestDraft {
  const draft: DigestDraft = { mode: unset, amount: '1', unit: 'hours', at: '18:00' };
  if (digest === false) return { ...draft, mode: 'now' };
  if (!digest) return draft;
  if ('dailyAt' in digest) return { ...draft, mode: 'daily', at: digest.dailyAt };
  const m = digest.intervalMinutes;
  return m % 60 === 0
    ? { ...draft, mode: 'interval', amount: String(m / 60), unit: 'hours' }
    : { ...draft, mode: 'interval', amount: String(m), unit: 'minutes' };
}

/** A time as the API takes it: HH:MM, seconds allowed. */
export const CLOCK = /^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$/;

/**
 * The digest the draft means: undefined for "as the account" (a rule) or "at once" (the
 * account), false for "at once" on a rule.
 */
export function digestFromDraft(
  draft: DigestDraft,
  level: 'account' | 'rule',
  field: string,
): { value: DigestSchedule | false | undefined } | { problem: FormProblem } {
  switch (draft.mode) {
    case 'account':
      return { value: undefined };
    case 'now':
      return { value: level === 'rule' ? false : undefined };
    case 'daily':
      return CLOCK.test(draft.at)
        ? { value: { dailyAt: draft.at } }
        : { problem: { field: `${field}-at`, key: 'settings.error.time' } };
    case 'interval': {
      const n = Number(draft.amount.trim());
      const max = draft.unit === 'hours' ? 24 : 1440;
      if (!/^[0-9]+$/.test(draft.amount.trim()) || n < 1 || n > max)
        return {
          problem: {
            field: `${field}-amount`,
            key: draft.unit === 'hours' ? 'settings.error.hours' : 'settings.error.minutes',
          },
        };
      return { value: { intervalMinutes: draft.unit === 'hours' ? n * 60 : n } };
    }
  }
}

/** The conditions editor's fields, as typed. */
export interface ConditionsDraft {
  include: string;
  exclude: string;
  minSeconds: string;
  hoursOn: boolean;
  days: Weekday[];
  start: string;
  end: string;
  outside: boolean;
  digest: DigestDraft;
}

export function conditionsDraft(row: RuleConditions): ConditionsDraft {
  return {
    include: (row.from?.include ?? []).join(', '),
    exclude: (row.from?.exclude ?? []).join(', '),
    minSeconds: row.minDurationSeconds === undefined ? '' : String(row.minDurationSeconds),
    hoursOn: row.hours !== undefined,
    days: row.hours?.days ?? ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: row.hours?.start ?? '08:00',
    end: row.hours?.end ?? '18:00',
    outside: !!row.hours?.outside,
    digest: digestDraft(row.digest, 'account'),
  };
}

/** Whether a draft sets anything (for the disclosure's summary). */
export function conditionsSet(draft: ConditionsDraft): number {
  return [
    draft.include.trim(),
    draft.exclude.trim(),
    draft.minSeconds.trim(),
    draft.hoursOn,
    draft.digest.mode !== 'account',
  ].filter(Boolean).length;
}

/** At most this many patterns per list (the API's limit), each at most this long. */
export const MAX_PATTERNS = 100;
const MAX_PATTERN_LENGTH = 254;

/**
 * Whether a sender pattern is one the server can match: an optional scheme (`tel:`,
 * `mailto:`), then an address or number without spaces, where `*` stands for any characters.
 * A number is `+` and digits; a pattern of only `*` would match everyone.
 */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return 'settings.error.patternLong';
  const body = pattern.replace(/^[a-z]+:/i, '');
  if (!body || /^\*+$/.test(body)) return 'settings.error.patternAll';
  if (/[\s<>"'()[\]\\;,]/.test(body)) return 'settings.error.pattern';
  if (body.startsWith('+') && !/^\+[0-9*]+$/.test(body)) return 'settings.error.pattern';
  if (body.includes('@') && !/^[^@]+@[^@]+$/.test(body)) return 'settings.error.pattern';
  return null;
}

/** A comma-separated list of patterns to the list, or the first thing wrong with it. */
export function parsePatterns(
  text: string,
  field: string,
): { value: string[] } | { problem: FormProblem } {
  const patterns = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (patterns.length > MAX_PATTERNS)
    return { problem: { field, key: 'settings.error.patternCount', vars: { max: MAX_PATTERNS } } };
  for (const pattern of patterns) {
    const key = patternProblem(pattern);
    if (key) return { problem: { field, key, vars: { pattern } } };
  }
  return { value: [...new Set(patterns)] };
}

/**
 * The conditions a draft means, in the API's shape (only what is set), or what is wrong with
 * it. `field` prefixes the ids of the draft's fields.
 */
export function conditionsFromDraft(
  draft: ConditionsDraft,
  field: string,
  timed: boolean,
): { value: RuleConditions; problems: FormProblem[] } {
  const value: RuleConditions = {};
  const problems: FormProblem[] = [];
  const include = parsePatterns(draft.include, `${field}-include`);
  const exclude = parsePatterns(draft.exclude, `${field}-exclude`);
  if ('problem' in include) problems.push(include.problem);
  if ('problem' in exclude) problems.push(exclude.problem);
  if ('value' in include && 'value' in exclude) {
    const from: { include?: string[]; exclude?: string[] } = {};
    if (include.value.length) from.include = include.value;
    if (exclude.value.length) from.exclude = exclude.value;
    if (from.include || from.exclude) value.from = from;
  }
  const min = draft.minSeconds.trim();
  if (timed && min !== '') {
    if (!/^[0-9]+$/.test(min) || Number(min) > 3600)
      problems.push({ field: `${field}-min`, key: 'settings.error.minSeconds' });
    else value.minDurationSeconds = Number(min);
  }
  if (draft.hoursOn) {
    if (draft.days.length === 0)
      problems.push({ field: `${field}-days`, key: 'settings.error.days' });
    if (!CLOCK.test(draft.start))
      problems.push({ field: `${field}-start`, key: 'settings.error.time' });
    if (!CLOCK.test(draft.end))
      problems.push({ field: `${field}-end`, key: 'settings.error.time' });
    const days = WEEKDAYS.filter((d) => draft.days.includes(d));
    value.hours = { days, start: draft.start, end: draft.end };
    if (draft.outside) value.hours.outside = true;
  }
  const digest = digestFromDraft(draft.digest, 'rule', `${field}-digest`);
  if ('problem' in digest) problems.push(digest.problem);
  else if (digest.value !== undefined) value.digest = digest.value;
  return { value, problems };
}
