import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Directory } from '../directory/directory.js';
import type { Intake } from '../intake/intake.js';
import { NoticeScheduler } from '../notify/notice-scheduler.js';
import type { MessageLinks } from '../notify/message-links.js';
import type { Database } from '../store/schema.js';
import { NoticeRepository } from '../store/notice-repository.js';
import type { Kysely } from 'kysely';

/** Wires the notice scheduler (welcomes, prompts for action, digests) to the store and intake. */
export function createNoticesSide(deps: {
  config: Config;
  logger: Logger;
  db: Kysely<Database>;
  directory: Directory;
  intake: Intake;
  messageLinks: MessageLinks;
  webUrl: () => string;
  wakeQueue: () => void;
  owner: string;
}): NoticeScheduler {
  const { config } = deps;
  const pollMs = Math.max(1, config.noticePollSeconds) * 1000;
  return new NoticeScheduler(
    {
      store: new NoticeRepository(deps.db),
      subscriber: (id) => deps.directory.get(id),
      ingest: (envelope, parts) => deps.intake.ingest(envelope, parts),
      messageLink: (id) => deps.messageLinks.url(id),
      wake: deps.wakeQueue,
      log: {
        info: (detail, msg) => deps.logger.info(detail, msg),
        error: (detail, msg) => deps.logger.error(detail, msg),
      },
    },
    {
      owner: deps.owner,
      pollMs,
      // Three missed runs and another node takes over.
      leaseMs: Math.max(3 * pollMs, 30_000),
      welcome: config.welcomeNotices,
      nearlyFullPercent: config.nearlyFullPercent,
      pinReminderMs: config.pinReminderSeconds * 1000,
      expiryWarnDays: config.expiryNoticeDays,
      expiryIntervalMs: config.expiryNoticeIntervalSeconds * 1000,
      maxListed: Math.max(1, config.noticeMaxListed),
      batch: 100,
      voicemailNumber: config.voicemailNumber,
      webUrl: deps.webUrl,
      postmaster: `mailto:postmaster@${config.domains[0] ?? 'localhost'}`,
    },
  );
}
