import { Command, CommanderError } from 'commander';
import { ApiError } from './api-client.js';
import { registerCdr } from './commands/cdr.js';
import { registerConvert } from './commands/convert.js';
import { registerMigrate } from './commands/migrate.js';
import { registerQueue } from './commands/queue.js';
import { registerResources } from './commands/resources.js';
import { registerSend } from './commands/send.js';
import { registerSmppAccounts } from './commands/smpp-accounts.js';
import { registerStart } from './commands/start.js';
import { registerSubscriber } from './commands/subscriber.js';

/** The `switchboard` command. Exits non-zero with a one-line reason on any failure. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const program = new Command('switchboard')
    .description('Switchboard unified messaging server')
    .exitOverride();
  registerStart(program, env);
  registerMigrate(program, env);
  registerSubscriber(program, env);
  registerSend(program, env);
  registerConvert(program, env);
  registerQueue(program, env);
  registerResources(program, env);
  registerCdr(program, env);
  registerSmppAccounts(program, env);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    const message = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`switchboard: ${message}\n`);
    process.exit(err instanceof ApiError && err.status < 500 ? 2 : 1);
  }
}
