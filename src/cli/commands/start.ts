import type { Command } from 'commander';
import { OPTIONS } from '../../config/options.js';
import { runServer } from '../../app/run.js';

/** `--http-port` for `httpPort`: every option in the table is also a flag of `start`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function registerStart(program: Command, env: NodeJS.ProcessEnv): void {
  const start = program
    .command('start')
    .description('start the server with every configured network');
  for (const option of OPTIONS) {
    const flag =
      option.type === 'boolean'
        ? `--${flagName(option.key)} [bool]`
        : `--${flagName(option.key)} <value>`;
    start.option(flag, `${option.description} (${option.env})`);
  }
  start.action(async (flags: Record<string, unknown>) => {
    await runServer(env, flags);
  });
}
