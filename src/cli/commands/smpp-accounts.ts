import { InvalidArgumentError, type Command } from 'commander';
import { ApiClient, clientSettings } from '../api-client.js';
import { print, table } from '../output.js';

interface AccountView {
  id: string;
  systemId: string;
  subscriberId: string;
  sourceAddresses: string[];
  throughput: number;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const positive = (value: string) => {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
    throw new InvalidArgumentError('expected a whole number of at least 1');
  return Number(value);
};

function withClient(cmd: Command): Command {
  return cmd
    .option(
      '--url <url>',
      'Switchboard server URL (SWITCHBOARD_URL; default from <data dir>/ports.json)',
    )
    .option('--token <token>', 'admin token (SWITCHBOARD_ADMIN_TOKEN)')
    .option('--data-dir <dir>', 'data folder holding ports.json')
    .option('--json', 'JSON output');
}

const sources = (a: AccountView) => a.sourceAddresses.join(',') || "(the subscriber's numbers)";

/** `switchboard smpp-accounts`: applications' logins to the SMPP server (admin). */
export function registerSmppAccounts(program: Command, env: NodeJS.ProcessEnv): void {
  const cmd = program
    .command('smpp-accounts')
    .description(
      "applications' SMPP logins: system_id, password, the subscriber they send for (admin)",
    );
  const client = (flags: Record<string, string | undefined>) =>
    new ApiClient(clientSettings(flags, env));

  withClient(cmd.command('list').description('SMPP accounts')).action(async (flags) => {
    const { accounts } = await client(flags).request<{ accounts: AccountView[] }>(
      'GET',
      '/smpp-accounts',
    );
    print(flags.json, accounts, () =>
      accounts.length === 0
        ? 'no SMPP accounts'
        : table([
            ['SYSTEM_ID', 'SUBSCRIBER', 'THROUGHPUT', 'SOURCE ADDRESSES'],
            ...accounts.map((a) => [a.systemId, a.subscriberId, `${a.throughput}/s`, sources(a)]),
          ]),
    );
  });

  withClient(
    cmd
      .command('add <system-id>')
      .description('add an SMPP account (system_id: at most 15 characters)')
      .requiredOption(
        '--password <password>',
        'its password: 6 to 8 characters (SMPP carries at most 8)',
      )
      .requiredOption('--subscriber <subscriber>', 'the subscriber it sends for: id or address')
      .option(
        '--source <number>',
        "a number it may send from (+4930555) or a prefix ending in * (+4930555*); repeat for several; default: the subscriber's numbers",
        collect,
      )
      .option('--throughput <n>', 'most messages a second (default 10)', positive),
  ).action(async (systemId: string, flags) => {
    const created = await client(flags).request<AccountView>('POST', '/smpp-accounts', {
      systemId,
      password: flags.password,
      subscriber: flags.subscriber,
      ...(flags.source ? { sourceAddresses: flags.source } : {}),
      ...(flags.throughput ? { throughput: flags.throughput } : {}),
    });
    print(
      flags.json,
      created,
      () =>
        `added SMPP account ${created.systemId} for ${created.subscriberId}: ${created.throughput}/s, from ${sources(created)}`,
    );
  });

  withClient(cmd.command('remove <system-id>').description('remove an SMPP account')).action(
    async (systemId: string, flags) => {
      await client(flags).request('DELETE', `/smpp-accounts/${encodeURIComponent(systemId)}`);
      print(flags.json, { removed: systemId }, () => `removed SMPP account ${systemId}`);
    },
  );
}
