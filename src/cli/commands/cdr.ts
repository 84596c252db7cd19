import { InvalidArgumentError, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { ApiClient, ApiError, clientSettings, type ClientSettings } from '../api-client.js';
import { subscriberIdOf } from './queue.js';

/** Most records one export asks for (the API's ceiling); more are cut off with a warning. */
const LIMIT = 100_000;

/** An ISO 8601 date or time, UTC unless it has an offset, sent on as a full UTC timestamp. */
function parseTime(value: string): string {
  const m =
    /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
      value.trim(),
    );
  const ms = m ? Date.parse(`${m[1]}T${m[2] ?? '00:00'}${m[3] ?? 'Z'}`) : NaN;
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('expected an ISO 8601 date or time, e.g. 2026-01-31T00:00:00Z');
  return new Date(ms).toISOString();
}

function parseFormat(value: string): 'csv' | 'json' {
  const format = value.trim().toLowerCase();
  if (format !== 'csv' && format !== 'json') throw new InvalidArgumentError('expected csv or json');
  return format;
}

/** GET as text: the CSV export is not JSON, which ApiClient expects. Problems still become ApiError. */
async function getText(settings: ClientSettings, path: string): Promise<string> {
  const headers: Record<string, string> = {};
  if (settings.token) headers.authorization = `Bearer ${settings.token}`;
  let res: Response;
  try {
    res = await fetch(`${settings.url}/api/v1${path}`, { headers });
  } catch (err) {
    throw new Error(
      `cannot reach ${settings.url}: ${(err as Error).cause ?? (err as Error).message}`,
    );
  }
  const text = await res.text();
  if (!res.ok) {
    let problem: Record<string, unknown> = {};
    try {
      problem = JSON.parse(text) as Record<string, unknown>;
    } catch {
      problem = { title: res.statusText, detail: text.slice(0, 200) };
    }
    throw new ApiError(res.status, problem);
  }
  return text;
}

export function registerCdr(program: Command, env: NodeJS.ProcessEnv): void {
  const cdr = program.command('cdr').description('call detail records: what deliveries cost');
  cdr
    .command('export')
    .description('call detail records as CSV (default) or JSON, one per attempt, oldest first')
    .option('--format <format>', 'csv or json', parseFormat, 'csv')
    .option('--subscriber <subscriber>', 'only those of this subscriber (id or address)')
    .option('--from <time>', 'attempts started at or after this time (ISO 8601)', parseTime)
    .option('--to <time>', 'attempts started before this time (ISO 8601)', parseTime)
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .option('--url <url>', 'server URL (SWITCHBOARD_URL; default from <data dir>/ports.json)')
    .option('--token <token>', 'admin token or session token (SWITCHBOARD_ADMIN_TOKEN)')
    .option('--data-dir <dir>', 'data folder holding ports.json')
    .action(async (flags) => {
      const settings = clientSettings(flags, env);
      const query = new URLSearchParams({ format: flags.format, limit: String(LIMIT) });
      if (flags.subscriber)
        query.set('subscriberId', await subscriberIdOf(new ApiClient(settings), flags.subscriber));
      if (flags.from) query.set('from', flags.from);
      if (flags.to) query.set('to', flags.to);
      const text = await getText(settings, `/cdrs?${query}`);
      const count =
        flags.format === 'csv'
          ? text.split('\r\n').filter(Boolean).length - 1
          : (JSON.parse(text) as { cdrs: unknown[] }).cdrs.length;
      const output =
        flags.format === 'json' ? JSON.stringify(JSON.parse(text), null, 2) + '\n' : text;
      if (count >= LIMIT)
        process.stderr.write(
          `switchboard: warning: only the first ${LIMIT} records; narrow --from and --to\n`,
        );
      if (flags.output) {
        writeFileSync(flags.output, output);
        process.stdout.write(`wrote ${count} records to ${flags.output}\n`);
      } else process.stdout.write(output);
    });
}
