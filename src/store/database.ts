import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Dialect } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import { withStatementCache } from './statement-cache.js';

export interface DatabaseHandle {
  /** Writes and transactions. */
  db: Kysely<Database>;
  /** Plain reads: the same pool on PostgreSQL; a second, read-only connection on SQLite (WAL). */
  reader: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; when absent, SQLite at `<dataDir>/switchboard.db`. */
  url: string | null;
  dataDir: string;
  /** Connections for PostgreSQL. */
  poolSize?: number;
}

/** Opens the database: SQLite in WAL mode with synchronous=FULL, or a PostgreSQL pool. */
export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.url) {
    const types = {
      getTypeParser(oid: number, format?: 'text' | 'binary') {
        // bigint (int8) columns hold sizes and counts that fit a JS number comfortably.
        if (oid === 20) return (value: string) => Number(value);
        return pg.types.getTypeParser(oid, format);
      },
    };
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      types: types as pg.CustomTypesConfig,
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, reader: db, dialect: 'postgres', close: () => db.destroy() };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const file = join(options.dataDir, 'switchboard.db');
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: every commit is synced, WAL included; durable before acknowledged.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  // WAL lets a reader see the last commit while a writer works: reads do not queue behind the
  // group commit that holds the write connection.
  const readConnection = new BetterSqlite3(file, { readonly: true });
  readConnection.pragma('busy_timeout = 10000');
  const reader = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(readConnection) }),
  });
  return {
    db,
    reader,
    dialect: 'sqlite',
    close: async () => {
      await reader.destroy();
      await db.destroy();
    },
  };
}

export async function migrate(handle: DatabaseHandle): Promise<string[]> {
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider(handle.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
