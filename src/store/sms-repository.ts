import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type {
  NoticeCode,
  NoticeCodeStore,
  SmsSubmission,
  SmsSubmissionStore,
} from '../core/delivery-ports.js';
import type { Database } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

/** How long a notice's code names its message: replies and link calls after that are refused. */
const CODE_DAYS = 30;
/** Six digits: easy to type on a keypad, a million codes, each guessed only with the PIN too. */
const CODE_DIGITS = 6;

/** SMSC ids as stored and looked up: lower case, without leading zeros. */
export function normalSmscId(id: string): string {
  return id
    .trim()
    .toLowerCase()
    .replace(/^0+(?=.)/, '');
}

/** SMS submissions (for receipts) and notice codes on SQLite or PostgreSQL. */
export class SmsRepository implements SmsSubmissionStore, NoticeCodeStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly reader: Kysely<Database> = db,
  ) {}

  async recordSubmissions(
    rows: Array<Pick<SmsSubmission, 'resourceId' | 'smscId' | 'deliveryId' | 'part' | 'parts'>>,
  ): Promise<void> {
    if (rows.length === 0) return;
    const now = new Date().toISOString();
    // A new attempt replaces the last one's parts: a receipt that never came for those must not
    // keep this attempt from counting as delivered.
    await this.db
      .deleteFrom('sms_submissions')
      .where('delivery_id', 'in', [...new Set(rows.map((r) => r.deliveryId))])
      .execute();
    await this.db
      .insertInto('sms_submissions')
      .values(
        rows.map((r) => ({
          resource_id: r.resourceId,
          smsc_id: normalSmscId(r.smscId),
          delivery_id: r.deliveryId,
          part: r.part,
          parts: r.parts,
          status: 'sent',
          error: null,
          created_at: now,
        })),
      )
      // An SMSC that reuses an id (after a restart of its counter) means the newer message.
      .onConflict((oc) =>
        oc.columns(['resource_id', 'smsc_id']).doUpdateSet((eb) => ({
          delivery_id: eb.ref('excluded.delivery_id'),
          part: eb.ref('excluded.part'),
          parts: eb.ref('excluded.parts'),
          status: 'sent',
          error: null,
          created_at: now,
        })),
      )
      .execute();
  }

  async markSubmission(
    resourceId: string,
    smscIds: string[],
    status: 'delivered' | 'failed',
    error: string | null,
  ): Promise<SmsSubmission[] | null> {
    const ids = [...new Set(smscIds.map(normalSmscId))];
    // The id as given wins over its readings in another base; else the newest submission.
    const found = await this.db
      .selectFrom('sms_submissions')
      .select(['smsc_id', 'delivery_id'])
      .where('resource_id', '=', resourceId)
      .where('smsc_id', 'in', ids)
      .orderBy('created_at', 'desc')
      .execute();
    const hit = found.find((r) => r.smsc_id === ids[0]) ?? found[0];
    if (!hit) return null;
    await this.db
      .updateTable('sms_submissions')
      .set({ status, error })
      .where('resource_id', '=', resourceId)
      .where('smsc_id', '=', hit.smsc_id)
      .execute();
    const rows = await this.db
      .selectFrom('sms_submissions')
      .selectAll()
      .where('delivery_id', '=', hit.delivery_id)
      .orderBy('part')
      .execute();
    return rows.map((r) => ({
      resourceId: r.resource_id,
      smscId: r.smsc_id,
      deliveryId: r.delivery_id,
      part: Number(r.part),
      parts: Number(r.parts),
      status: r.status as SmsSubmission['status'],
      error: r.error,
      createdAt: r.created_at,
    }));
  }

  async issueNoticeCode(subscriberId: string, messageId: string, now: string): Promise<string> {
    const expires = new Date(Date.parse(now) + CODE_DAYS * 86_400_000).toISOString();
    // Codes of expired notices are free again; a clash with a live one draws another.
    await this.db.deleteFrom('notice_codes').where('expires_at', '<=', now).execute();
    for (let tries = 0; tries < 20; tries++) {
      const code = String(randomInt(10 ** (CODE_DIGITS - 1), 10 ** CODE_DIGITS));
      try {
        await this.db
          .insertInto('notice_codes')
          .values({
            code,
            subscriber_id: subscriberId,
            message_id: messageId,
            created_at: now,
            expires_at: expires,
          })
          .execute();
        return code;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    throw new Error('no free notice code after 20 tries');
  }

  async findNoticeCode(code: string): Promise<NoticeCode | null> {
    const row = await this.reader
      .selectFrom('notice_codes')
      .selectAll()
      .where('code', '=', code)
      .where('expires_at', '>', new Date().toISOString())
      .executeTakeFirst();
    return row ? toCode(row) : null;
  }

  async latestNoticeCode(subscriberId: string): Promise<NoticeCode | null> {
    const row = await this.reader
      .selectFrom('notice_codes')
      .selectAll()
      .where('subscriber_id', '=', subscriberId)
      .where('expires_at', '>', new Date().toISOString())
      .orderBy('created_at', 'desc')
      .orderBy('code', 'desc')
      .executeTakeFirst();
    return row ? toCode(row) : null;
  }
}

function toCode(r: Database['notice_codes']): NoticeCode {
  return {
    code: r.code,
    subscriberId: r.subscriber_id,
    messageId: r.message_id,
    createdAt: r.created_at,
  };
}
