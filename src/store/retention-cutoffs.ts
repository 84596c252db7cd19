import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * The retentions (days) mailboxes use, each with the arrival time before which its messages
 * are past it at `at`. Timestamps are text, so "older than each mailbox's own retention" is one
 * query per retention in use, each with its own cut-off.
 */
export async function retentionCutoffs(
  db: Kysely<Database>,
  at: string,
): Promise<Array<{ days: number; cutoff: string }>> {
  const rows = await db
    .selectFrom('subscribers')
    .select('retention_days')
    .distinct()
    .where('retention_days', 'is not', null)
    .where('retention_days', '>', 0)
    .execute();
  return rows.map(({ retention_days }) => {
    const days = Number(retention_days);
    return { days, cutoff: new Date(Date.parse(at) - days * 86_400_000).toISOString() };
  });
}
