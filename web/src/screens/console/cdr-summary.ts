import type { Cdr, Resource } from './types';

/** What the CDR chart draws: per day and channel, the attempts and what they cost. */
export interface DaySeries {
  days: string[];
  channels: string[];
  attempts: Map<string, Map<string, number>>;
  cost: Map<string, Map<string, number>>;
  currencies: string[];
}

export type ChannelOf = 'resource' | 'type';

/** The local calendar day of a timestamp, YYYY-MM-DD, as the period picker counts days. */
export function localDay(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/** Every day from `from` to `to` (YYYY-MM-DD, both included), so quiet days show as gaps. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const day = new Date(`${from}T00:00:00`);
  const end = new Date(`${to}T00:00:00`);
  while (day <= end && days.length <= 366) {
    days.push(localDay(day));
    day.setDate(day.getDate() + 1);
  }
  return days;
}

export function summarize(
  cdrs: Cdr[],
  resources: Resource[],
  by: ChannelOf,
  from: string,
  to: string,
): DaySeries {
  const byId = new Map(resources.map((r) => [r.id, r]));
  // A CDR may name a resource deleted since; its id still tells the channels apart.
  const channelOf = (c: Cdr) => {
    const r = byId.get(c.resourceId);
    return (by === 'type' ? r?.type : r?.name) ?? c.resourceId.slice(0, 8);
  };
  const attempts = new Map<string, Map<string, number>>();
  const cost = new Map<string, Map<string, number>>();
  const channels = new Set<string>();
  const currencies = new Set<string>();
  const add = (into: Map<string, Map<string, number>>, day: string, ch: string, n: number) => {
    const row = into.get(day) ?? new Map<string, number>();
    // Prices are exact to a millionth (the server counts micros); floats would drift off that.
    row.set(ch, Math.round(((row.get(ch) ?? 0) + n) * 1e6) / 1e6);
    into.set(day, row);
  };
  for (const c of cdrs) {
    const day = localDay(new Date(c.startedAt));
    const ch = channelOf(c);
    channels.add(ch);
    if (c.cost > 0) currencies.add(c.currency);
    add(attempts, day, ch, 1);
    add(cost, day, ch, c.cost);
  }
  return {
    days: daysBetween(from, to),
    channels: [...channels].sort(),
    attempts,
    cost,
    currencies: [...currencies].sort(),
  };
}
