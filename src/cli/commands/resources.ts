import { InvalidArgumentError, type Command } from 'commander';
import { ApiClient, clientSettings } from '../api-client.js';
import { print, table } from '../output.js';

interface Rate {
  prefix: string;
  price: number;
}

interface ResourceView {
  id: string;
  name: string;
  type: string;
  messageTypes: string[];
  status: string;
  statusReason: string | null;
  channels: number;
  busyChannels: string;
  inFlight: number;
  rates: Rate[];
  currency: string;
  config: Record<string, unknown>;
  hasSecret: boolean;
}

/** `--rate +49=0.05`: a destination prefix ("+49", "sip:", "*") and its price per unit. */
function parseRate(value: string, previous: Rate[] = []): Rate[] {
  const at = value.lastIndexOf('=');
  const prefix = at > 0 ? value.slice(0, at).trim() : '';
  const price = at > 0 ? value.slice(at + 1).trim() : '';
  if (!prefix || !/^\d+(\.\d+)?$/.test(price))
    throw new InvalidArgumentError(
      'expected PREFIX=PRICE with a price of 0 or more, e.g. +49=0.05, sip:=0 or *=0.10',
    );
  return [...previous, { prefix, price: Number(price) }];
}

const whole = (min: number) => (value: string) => {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min)
    throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
  return Number(value);
};

const parseList = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function withClient(cmd: Command, serverFlag = '--url'): Command {
  return cmd
    .option(
      `${serverFlag} <url>`,
      'Switchboard server URL (SWITCHBOARD_URL; default from <data dir>/ports.json)',
    )
    .option('--token <token>', 'admin token (SWITCHBOARD_ADMIN_TOKEN)')
    .option('--data-dir <dir>', 'data folder holding ports.json')
    .option('--json', 'JSON output');
}

/** Options `add` and `set` share; in `set`, each one given replaces that setting. */
function withSettings(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'webhook: the http(s) URL deliveries are POSTed to')
    .option(
      '--secret <secret>',
      'webhook: shared secret signing each request (16 characters or more); smtp: the smarthost password; voice, fax: the trunk password',
    )
    .option('--host <host>', 'smtp: the smarthost; without it mail goes straight to the MX')
    .option('--port <n>', 'smtp: the port (587 for a smarthost, 25 for MX)', whole(1))
    .option(
      '--user <name>',
      'smtp: user name for AUTH at the smarthost; voice, fax: user name at the trunk (password: --secret)',
    )
    .option(
      '--trunk <sip-uri>',
      'voice, fax: the SIP trunk calls go through, e.g. sip:trunk.example.net:5060 (without one, sip: destinations are called directly and tel: numbers cannot be)',
    )
    .option(
      '--ring-seconds <n>',
      'voice, fax: how long a call may ring before it counts as not answered',
      whole(5),
    )
    .option(
      '--caller-id <id>',
      'voice, fax: the caller id presented, a number (+4930...) or sip: URI',
    )
    .option(
      '--ident <station-id>',
      'fax: our station id on faxes sent (up to 20 digits, + and spaces); default the caller id',
    )
    .option('--secure', 'smtp: TLS from the start (port 465) instead of STARTTLS')
    .option(
      '--rate <prefix=price>',
      'a destination prefix and its price per unit (a message; a second of a voice call; a page of a fax), e.g. +49=0.05 or *=0; repeat for several',
      parseRate,
    )
    .option('--currency <code>', 'ISO 4217 currency of the rates', (v) => v.toUpperCase())
    .option('--channels <n>', 'deliveries it may carry at once', whole(1))
    .option('--message-types <types>', 'message types it carries, comma-separated (* for all)')
    .option('--timeout-ms <n>', 'webhook: how long to wait for an answer', whole(1))
    .option(
      '--inline-max-bytes <n>',
      'webhook: larger parts are sent as signed links instead of inline',
      whole(0),
    );
}

function configOf(
  flags: Record<string, unknown>,
  base: Record<string, unknown> = {},
): Record<string, unknown> | undefined {
  const changes: Record<string, unknown> = {};
  if (flags.url !== undefined) changes.url = flags.url;
  if (flags.timeoutMs !== undefined) changes.timeoutMs = flags.timeoutMs;
  if (flags.inlineMaxBytes !== undefined) changes.inlineMaxBytes = flags.inlineMaxBytes;
  if (flags.host !== undefined) changes.host = flags.host;
  if (flags.port !== undefined) changes.port = flags.port;
  if (flags.user !== undefined) changes.user = flags.user;
  if (flags.secure !== undefined) changes.secure = true;
  if (flags.trunk !== undefined) changes.trunk = flags.trunk;
  if (flags.ringSeconds !== undefined) changes.ringSeconds = flags.ringSeconds;
  if (flags.callerId !== undefined) changes.callerId = flags.callerId;
  if (flags.ident !== undefined) changes.ident = flags.ident;
  return Object.keys(changes).length ? { ...base, ...changes } : undefined;
}

function settingsBody(
  flags: Record<string, unknown>,
  config: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (flags.secret !== undefined) body.secret = flags.secret;
  if (flags.rate !== undefined) body.rates = flags.rate;
  if (flags.currency !== undefined) body.currency = flags.currency;
  if (flags.channels !== undefined) body.channels = flags.channels;
  if (flags.messageTypes !== undefined) body.messageTypes = parseList(String(flags.messageTypes));
  if (config !== undefined) body.config = config;
  return body;
}

const rateText = (rates: Rate[]) => rates.map((r) => `${r.prefix}=${r.price}`).join(',') || '-';
const busy = (bitmap: string) => String([...bitmap].filter((c) => c === '1').length);
const summary = (r: ResourceView) =>
  `${r.type} resource ${r.name} (${r.id}): ${r.status}${r.statusReason ? ` (${r.statusReason})` : ''}, ` +
  `${r.channels} channel${r.channels === 1 ? '' : 's'}, rates ${rateText(r.rates)} ${r.currency}`;

/** A resource by id or by name. */
async function resolve(api: ApiClient, ref: string): Promise<ResourceView> {
  const { resources } = await api.request<{ resources: ResourceView[] }>('GET', '/resources');
  const found = resources.find((r) => r.id === ref) ?? resources.find((r) => r.name === ref);
  if (!found) throw new Error(`no resource named ${ref} (see switchboard resources list)`);
  return found;
}

export function registerResources(program: Command, env: NodeJS.ProcessEnv): void {
  const cmd = program
    .command('resources')
    .description('outbound resources: where deliveries leave the system (admin)');
  const client = (flags: Record<string, string | undefined>) =>
    new ApiClient(clientSettings(flags, env));
  // In add and set, --url is the webhook's URL, so the server is --server there.
  const serverClient = (flags: Record<string, string | undefined>) =>
    new ApiClient(clientSettings({ ...flags, url: flags.server }, env));

  withClient(cmd.command('list').description('resources with status, load and rates')).action(
    async (flags) => {
      const { resources } = await client(flags).request<{ resources: ResourceView[] }>(
        'GET',
        '/resources',
      );
      print(flags.json, resources, () => {
        if (resources.length === 0) return 'no resources';
        const rows = table([
          ['NAME', 'TYPE', 'STATUS', 'CHANNELS', 'BUSY', 'INFLIGHT', 'RATES', 'CURRENCY'],
          ...resources.map((r) => [
            r.name,
            r.type,
            r.status,
            String(r.channels),
            busy(r.busyChannels),
            String(r.inFlight),
            rateText(r.rates),
            r.currency,
          ]),
        ]);
        const reasons = resources
          .filter((r) => r.status !== 'A' && r.statusReason)
          .map((r) => `${r.name} is out of service: ${r.statusReason}`);
        return [rows, ...reasons].join('\n');
      });
    },
  );

  withClient(
    withSettings(
      cmd
        .command('add')
        .description('add a resource')
        .requiredOption('--type <type>', 'resource type: webhook, smtp or voice')
        .requiredOption('--name <name>', 'a unique name: letters, digits, _ . -'),
    ).option('--disabled', 'add it out of service (status I)'),
    '--server',
  ).action(async (flags) => {
    const body = {
      name: flags.name,
      type: flags.type,
      ...settingsBody(flags, configOf(flags)),
      ...(flags.disabled ? { status: 'I' } : {}),
    };
    const created = await serverClient(flags).request<ResourceView>('POST', '/resources', body);
    print(flags.json, created, () => `added ${summary(created)}`);
  });

  withClient(
    withSettings(
      cmd
        .command('set <resource>')
        .description('change a resource (name or id); --rate replaces all rates'),
    )
      .option('--rename <name>', 'a new name')
      .option('--enable', 'put it in service (status A); held deliveries are released')
      .option('--disable', 'take it out of service (status I)'),
    '--server',
  ).action(async (ref: string, flags) => {
    if (flags.enable && flags.disable) throw new Error('--enable and --disable exclude each other');
    const api = serverClient(flags);
    const existing = await resolve(api, ref);
    const body = settingsBody(flags, configOf(flags, existing.config));
    if (flags.rename !== undefined) body.name = flags.rename;
    if (flags.enable) body.status = 'A';
    if (flags.disable) body.status = 'I';
    if (Object.keys(body).length === 0) throw new Error('nothing to change; see --help');
    const updated = await api.request<ResourceView>('PATCH', `/resources/${existing.id}`, body);
    print(flags.json, updated, () => `updated ${summary(updated)}`);
  });
}
