import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { ApiClient, clientSettings } from '../api-client.js';
import { print, table } from '../output.js';

interface SubscriberView {
  id: string;
  name: string;
  addresses: string[];
  role: string;
  status: string;
  quotaBytes: number | null;
  usedBytes: number;
  messageCount: number;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const nullableInt = (v: string): number | null =>
  v === 'unlimited' || v === 'none' ? null : parseSize(v);

function parseSpendLimit(v: string): number | null {
  if (v === 'unlimited' || v === 'none') return null;
  if (!/^\d+(\.\d+)?$/.test(v.trim()))
    throw new Error(`"${v}" is not an amount such as 25 or 12.50 (or "unlimited")`);
  return Number(v);
}

function parseSize(v: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(v.trim());
  if (!m) throw new Error(`"${v}" is not a size such as 500m or 2g (or "unlimited")`);
  return (
    Number(m[1]) *
    { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  );
}

function profileBody(flags: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const copy = [
    'name',
    'language',
    'timeZone',
    'currency',
    'password',
    'pin',
    'sipSecret',
    'role',
    'status',
  ] as const;
  for (const key of copy) if (flags[key] !== undefined) body[key] = flags[key];
  if (flags.address !== undefined) body.addresses = flags.address;
  if (flags.quota !== undefined) body.quotaBytes = nullableInt(String(flags.quota));
  if (flags.quotaMessages !== undefined)
    body.quotaMessages = nullableInt(String(flags.quotaMessages));
  if (flags.retentionDays !== undefined)
    body.retentionDays = nullableInt(String(flags.retentionDays));
  if (flags.spendLimit !== undefined) body.spendLimit = parseSpendLimit(String(flags.spendLimit));
  return body;
}

function withProfileOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'display name')
    .option(
      '--address <uri>',
      'an address (tel:, mailto:, sip:, ivm:); repeat for several',
      collect,
    )
    .option('--password <password>', 'web password')
    .option('--pin <pin>', 'phone PIN (digits)')
    .option('--sip-secret <secret>', 'SIP secret for phones (stored as digest HA1)')
    .option('--role <role>', 'subscriber or admin')
    .option('--status <status>', 'active or inactive')
    .option('--language <tag>', 'BCP 47 language')
    .option('--time-zone <zone>', 'IANA time zone')
    .option('--currency <code>', 'ISO 4217 currency')
    .option('--quota <size>', 'mailbox quota in bytes (500m, 2g) or "unlimited"')
    .option('--quota-messages <n>', 'most messages kept, or "unlimited"')
    .option('--retention-days <n>', 'days messages are kept, or "unlimited"')
    .option(
      '--spend-limit <amount>',
      'most the subscriber may spend on outbound deliveries per calendar month, or "unlimited"',
    );
}

function withClient(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'server URL (SWITCHBOARD_URL; default from <data dir>/ports.json)')
    .option('--token <token>', 'admin token (SWITCHBOARD_ADMIN_TOKEN)')
    .option('--data-dir <dir>', 'data folder holding ports.json')
    .option('--json', 'JSON output');
}

const summary = (s: SubscriberView) =>
  `${s.id}  ${s.name}  ${s.addresses.join(' ')}  ${s.role}  ${s.status}`;

/** Resolves a subscriber given as an id or one of their addresses. */
async function idOf(api: ApiClient, ref: string): Promise<string> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(ref)) return ref;
  let after: string | undefined;
  for (;;) {
    const page = await api.request<{ subscribers: SubscriberView[]; next: string | null }>(
      'GET',
      `/subscribers?limit=1000${after ? `&after=${after}` : ''}`,
    );
    const found = page.subscribers.find(
      (s) => s.addresses.includes(ref) || s.addresses.some((a) => a.endsWith(`:${ref}`)),
    );
    if (found) return found.id;
    if (!page.next) throw new Error(`no subscriber with id or address ${ref}`);
    after = page.next;
  }
}

export function registerSubscriber(program: Command, env: NodeJS.ProcessEnv): void {
  const sub = program
    .command('subscriber')
    .description('manage subscribers (admin token or an admin session)');
  const client = (flags: Record<string, string | undefined>) =>
    new ApiClient(clientSettings(flags, env));

  withClient(withProfileOptions(sub.command('add').description('add a subscriber'))).action(
    async (flags) => {
      const created = await client(flags).request<SubscriberView>(
        'POST',
        '/subscribers',
        profileBody(flags),
      );
      print(flags.json, created, () => `added ${summary(created)}`);
    },
  );

  withClient(sub.command('list').description('list subscribers')).action(async (flags) => {
    const api = client(flags);
    const all: SubscriberView[] = [];
    let after: string | undefined;
    do {
      const page = await api.request<{ subscribers: SubscriberView[]; next: string | null }>(
        'GET',
        `/subscribers?limit=1000${after ? `&after=${after}` : ''}`,
      );
      all.push(...page.subscribers);
      after = page.next ?? undefined;
    } while (after);
    print(flags.json, all, () =>
      table([
        ['ID', 'NAME', 'ADDRESSES', 'ROLE', 'STATUS', 'MESSAGES', 'USED'],
        ...all.map((s) => [
          s.id,
          s.name,
          s.addresses.join(','),
          s.role,
          s.status,
          String(s.messageCount),
          String(s.usedBytes),
        ]),
      ]),
    );
  });

  withClient(
    withProfileOptions(
      sub.command('set <subscriber>').description('change a subscriber (id or address)'),
    ),
  ).action(async (ref: string, flags) => {
    const api = client(flags);
    const updated = await api.request<SubscriberView>(
      'PATCH',
      `/subscribers/${await idOf(api, ref)}`,
      profileBody(flags),
    );
    print(flags.json, updated, () => `updated ${summary(updated)}`);
  });

  withClient(
    sub
      .command('delete <subscriber>')
      .description('remove a subscriber and their mailbox (id or address)'),
  ).action(async (ref: string, flags) => {
    const api = client(flags);
    const id = await idOf(api, ref);
    await api.request('DELETE', `/subscribers/${id}`);
    print(flags.json, { deleted: id }, () => `deleted ${id}`);
  });

  withClient(
    sub.command('export <subscriber>').description('the subscriber and all their messages as JSON'),
  )
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (ref: string, flags) => {
      const api = client(flags);
      const doc = await api.request<{ messages: unknown[] }>(
        'GET',
        `/subscribers/${await idOf(api, ref)}/export`,
      );
      const text = JSON.stringify(doc, null, 2) + '\n';
      if (flags.output) {
        writeFileSync(flags.output, text);
        process.stdout.write(`wrote ${doc.messages.length} messages to ${flags.output}\n`);
      } else process.stdout.write(text);
    });
}
