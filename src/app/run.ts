import { loadConfig } from '../config/load.js';
import { migrate, openDatabase } from '../store/database.js';
import { createLogger, startServer } from './server.js';

/**
 * `switchboard start`: configuration from the environment and flags, the server, and a graceful
 * stop on SIGTERM or SIGINT (in-flight requests and their commits finish first).
 */
export async function runServer(
  env: NodeJS.ProcessEnv,
  flags: Record<string, unknown>,
): Promise<void> {
  const config = loadConfig(env, flags);
  const logger = createLogger(config);
  const server = await startServer(config, logger);
  process.stdout.write(
    `Switchboard listening on ${server.url} (ports written to ${config.dataDir}/ports.json)\n`,
  );
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** `switchboard migrate`: the schema up to date, nothing else started. */
export async function migrateOnly(
  env: NodeJS.ProcessEnv,
  overrides: Record<string, unknown>,
): Promise<string[]> {
  const config = loadConfig(env, overrides);
  const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await migrate(database);
  } finally {
    await database.close();
  }
}
