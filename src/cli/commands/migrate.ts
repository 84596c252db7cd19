import type { Command } from 'commander';
import { migrateOnly } from '../../app/run.js';

export function registerMigrate(program: Command, env: NodeJS.ProcessEnv): void {
  program
    .command('migrate')
    .description('bring the database schema up to date and exit')
    .option('--data-dir <dir>', 'data folder (SWITCHBOARD_DATA_DIR)')
    .option('--database-url <url>', 'PostgreSQL URL (SWITCHBOARD_DATABASE_URL)')
    .option('--json', 'JSON output')
    .action(async (flags: { dataDir?: string; databaseUrl?: string; json?: boolean }) => {
      const applied = await migrateOnly(env, {
        dataDir: flags.dataDir,
        databaseUrl: flags.databaseUrl,
      });
      process.stdout.write(
        flags.json
          ? JSON.stringify({ applied }) + '\n'
          : applied.length
            ? `applied ${applied.join(', ')}\n`
            : 'schema is up to date\n',
      );
    });
}
