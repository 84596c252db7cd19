import { InvalidArgumentError, type Command } from 'commander';
import { ApiClient, clientSettings } from '../api-client.js';
import { print, table } from '../output.js';

interface DeliveryView {
  id: string;
  messageId: string;
  kind: string;
  recipient: string;
  status: string;
  priority: string;
  subscriberId: string | null;
  nextAttemptAt: string | null;
  attempts: number;
  maxAttempts: number;
  holdReason: string | null;
  lastError: string | null;
}

const STATUSES = ['P', 'H', 'D', 'R', 'X', 'A', 'S', 'F', 'E'];
/** Statuses in which a delivery waits for its next attempt; the NEXT column shows when. */
const WAITING = ['P', 'D', 'R'];
/** The API's largest page. */
const PAGE = 1000;

function parseStatus(value: string): string {
  const status = value.trim().toUpperCase();
  if (!STATUSES.includes(status))
    throw new InvalidArgumentError(`expected one of ${STATUSES.join(' ')}`);
  return status;
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
    throw new InvalidArgumentError('expected a whole number of at least 1');
  return Number(value);
}

function withClient(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'server URL (SWITCHBOARD_URL; default from <data dir>/ports.json)')
    .option('--token <token>', 'admin token (SWITCHBOARD_ADMIN_TOKEN)')
    .option('--data-dir <dir>', 'data folder holding ports.json')
    .option('--json', 'JSON output');
}

/** Resolves a subscriber given as an id or one of their addresses (tel:+1555…, or just +1555…). */
export async function subscriberIdOf(api: ApiClient, ref: string): Promise<string> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(ref)) return ref;
  let after: string | undefined;
  for (;;) {
    const page = await api.request<{
      subscribers: Array<{ id: string; addresses: string[] }>;
      next: string | null;
    }>('GET', `/subscribers?limit=${PAGE}${after ? `&after=${after}` : ''}`);
    const found = page.subscribers.find(
      (s) => s.addresses.includes(ref) || s.addresses.some((a) => a.endsWith(`:${ref}`)),
    );
    if (found) return found.id;
    if (!page.next) throw new Error(`no subscriber with id or address ${ref}`);
    after = page.next;
  }
}

/** "2026-01-31T09:30:00.000Z" as "2026-01-31T09:30:00Z": a table column, not a record. */
const shortTime = (iso: string | null) => (iso ? iso.replace(/\.\d+Z$/, 'Z') : '-');
const clip = (text: string | null, max = 60) =>
  !text ? '-' : text.length > max ? `${text.slice(0, max - 1)}…` : text;

const summary = (d: DeliveryView) =>
  `${d.id} ${d.status}${d.holdReason ? ` (${d.holdReason})` : ''} to ${d.recipient}`;

export function registerQueue(program: Command, env: NodeJS.ProcessEnv): void {
  const queue = program
    .command('queue')
    .description('the delivery queue: list deliveries, retry or hold one (admin)');
  const client = (flags: Record<string, string | undefined>) =>
    new ApiClient(clientSettings(flags, env));

  withClient(
    queue
      .command('list')
      .description('deliveries in arrival order, oldest first')
      .option('--status <status>', `only this status (${STATUSES.join(' ')})`, parseStatus)
      .option('--subscriber <subscriber>', 'only those of this subscriber (id or address)')
      .option('--message <id>', 'only those of this message')
      .option('--kind <kind>', 'message or notification')
      .option('--limit <n>', 'most deliveries shown', parseCount, 100),
  ).action(async (flags) => {
    const api = client(flags);
    const filter = new URLSearchParams();
    if (flags.status) filter.set('status', flags.status);
    if (flags.subscriber) filter.set('subscriberId', await subscriberIdOf(api, flags.subscriber));
    if (flags.message) filter.set('messageId', flags.message);
    if (flags.kind) filter.set('kind', flags.kind);
    const limit = flags.limit as number;
    const all: DeliveryView[] = [];
    let after: string | null = null;
    do {
      const query = new URLSearchParams(filter);
      query.set('limit', String(Math.min(PAGE, limit - all.length)));
      if (after) query.set('after', after);
      const page = await api.request<{ deliveries: DeliveryView[]; next: string | null }>(
        'GET',
        `/deliveries?${query}`,
      );
      all.push(...page.deliveries);
      after = page.next;
    } while (after && all.length < limit);
    print(flags.json, all, () =>
      all.length === 0
        ? 'no deliveries'
        : table([
            ['ID', 'STATUS', 'PRIORITY', 'KIND', 'RECIPIENT', 'ATTEMPTS', 'NEXT', 'LAST ERROR'],
            ...all.map((d) => [
              d.id,
              d.holdReason && d.status === 'H' ? `H (${d.holdReason})` : d.status,
              d.priority,
              d.kind,
              d.recipient,
              `${d.attempts}/${d.maxAttempts}`,
              WAITING.includes(d.status) ? shortTime(d.nextAttemptAt) : '-',
              clip(d.lastError),
            ]),
          ]),
    );
  });

  withClient(
    queue
      .command('retry <delivery>')
      .description('make a held, deferred, failed or expired delivery ready now'),
  ).action(async (id: string, flags) => {
    const retried = await client(flags).request<DeliveryView>(
      'POST',
      `/deliveries/${encodeURIComponent(id)}/retry`,
    );
    print(flags.json, retried, () => `retrying ${summary(retried)}`);
  });

  withClient(
    queue
      .command('hold <delivery>')
      .description('hold a waiting delivery (P, D or R) until it is retried'),
  ).action(async (id: string, flags) => {
    const held = await client(flags).request<DeliveryView>(
      'POST',
      `/deliveries/${encodeURIComponent(id)}/hold`,
    );
    print(flags.json, held, () => `held ${summary(held)}`);
  });
}
