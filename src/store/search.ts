import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database, Dialect } from './schema.js';

/** Words of a user's query, without any search-engine syntax (nothing the user types is an operator). */
export function searchWords(q: string): string[] {
  return (q.match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16);
}

/** Writes the index entry for a message; returns the SQLite FTS rowid (null on PostgreSQL). */
export async function indexMessage(
  trx: Kysely<Database>,
  dialect: Dialect,
  entry: { messageId: string; mailboxId: string; subject: string; body: string },
): Promise<number | null> {
  if (dialect === 'sqlite') {
    await sql`INSERT INTO message_search (message_id, mailbox_id, subject, body)
      VALUES (${entry.messageId}, ${entry.mailboxId}, ${entry.subject}, ${entry.body})`.execute(
      trx,
    );
    const { rows } = await sql<{ id: number }>`SELECT last_insert_rowid() AS id`.execute(trx);
    return rows[0]!.id;
  }
  await sql`INSERT INTO message_search (message_id, mailbox_id, document)
    VALUES (${entry.messageId}, ${entry.mailboxId},
      setweight(to_tsvector('simple', ${entry.subject}), 'A') || to_tsvector('simple', ${entry.body}))`.execute(
    trx,
  );
  return null;
}

export async function unindexMessage(
  trx: Kysely<Database>,
  dialect: Dialect,
  searchRowid: number | null,
): Promise<void> {
  // PostgreSQL's index rows go with the message (foreign key cascade).
  if (dialect === 'sqlite' && searchRowid !== null)
    await sql`DELETE FROM message_search WHERE rowid = ${searchRowid}`.execute(trx);
}

/** Adds text made later (a transcript, OCR of a fax) to a message's index entry. */
export async function appendToIndex(
  trx: Kysely<Database>,
  dialect: Dialect,
  entry: { messageId: string; searchRowid: number | null; text: string },
): Promise<void> {
  if (dialect === 'sqlite') {
    if (entry.searchRowid !== null)
      await sql`UPDATE message_search SET body = body || ' ' || ${entry.text} WHERE rowid = ${entry.searchRowid}`.execute(
        trx,
      );
    return;
  }
  await sql`UPDATE message_search SET document = document || to_tsvector('simple', ${entry.text})
    WHERE message_id = ${entry.messageId}`.execute(trx);
}

/** Restricts a messages query to those matching every word. */
export function whereMatches<O>(
  query: SelectQueryBuilder<Database, 'messages', O>,
  dialect: Dialect,
  mailboxId: string,
  words: string[],
): SelectQueryBuilder<Database, 'messages', O> {
  if (dialect === 'sqlite') {
    const match = words.map((w) => `"${w}"`).join(' ');
    return query.where(
      sql<boolean>`messages.search_rowid IN (SELECT rowid FROM message_search WHERE message_search MATCH ${match} AND mailbox_id = ${mailboxId})`,
    );
  }
  const tsquery = words.join(' ');
  return query.where(
    sql<boolean>`messages.id IN (SELECT message_id FROM message_search WHERE mailbox_id = ${mailboxId} AND document @@ plainto_tsquery('simple', ${tsquery}))`,
  );
}
