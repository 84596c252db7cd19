import type { Kysely, Selectable } from 'kysely';
import { conflict } from '../core/errors.js';
import type { NewSmppAccount, SmppAccount, SmppAccountStore } from '../core/smpp-account.js';
import { newId } from '../lib/ids.js';
import { isoNow } from '../lib/time.js';
import type { Database, SmppAccountsTable } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

function toAccount(row: Selectable<SmppAccountsTable>): SmppAccount {
  return {
    id: row.id,
    systemId: row.system_id,
    subscriberId: row.subscriber_id,
    sourceAddresses: JSON.parse(row.source_addresses) as string[],
    throughput: Number(row.throughput),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** SMPP accounts in SQLite or PostgreSQL: one row each, looked up by system_id at bind. */
export class SmppAccountRepository implements SmppAccountStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly reader: Kysely<Database> = db,
  ) {}

  async createSmppAccount(account: NewSmppAccount): Promise<SmppAccount> {
    const now = isoNow();
    const row = {
      id: newId(),
      system_id: account.systemId,
      password_hash: account.passwordHash,
      subscriber_id: account.subscriberId,
      source_addresses: JSON.stringify(account.sourceAddresses),
      throughput: account.throughput,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.db.insertInto('smpp_accounts').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`the SMPP system_id ${account.systemId} is taken`);
      throw err;
    }
    return toAccount(row);
  }

  async listSmppAccounts(): Promise<SmppAccount[]> {
    const rows = await this.reader
      .selectFrom('smpp_accounts')
      .selectAll()
      .orderBy('system_id')
      .execute();
    return rows.map(toAccount);
  }

  async findSmppAccount(
    systemId: string,
  ): Promise<{ account: SmppAccount; passwordHash: string } | null> {
    // The writer, not a replica: a password just changed must not keep working somewhere.
    const row = await this.db
      .selectFrom('smpp_accounts')
      .selectAll()
      .where('system_id', '=', systemId)
      .executeTakeFirst();
    return row ? { account: toAccount(row), passwordHash: row.password_hash } : null;
  }

  async deleteSmppAccount(systemId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('smpp_accounts')
      .where('system_id', '=', systemId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
