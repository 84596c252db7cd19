import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { principalResolver } from '../channels/http/principal.js';
import { LocalBus } from '../cluster/local-bus.js';
import type { Config } from '../config/config.js';
import { MailboxService } from '../core/mailbox.js';
import type { SubscriberProfile } from '../core/subscriber.js';
import { Directory } from '../directory/directory.js';
import { Intake } from '../intake/intake.js';
import { BlobVault } from '../store/blobs/blob-vault.js';
import { loadKeyRing } from '../store/blobs/key-ring.js';
import { migrate, openDatabase } from '../store/database.js';
import { MessageRepository } from '../store/message-repository.js';
import { SubscriberRepository } from '../store/subscriber-repository.js';
import { buildHttpServer } from './http-server.js';
import { createMetrics } from './metrics.js';

export interface RunningServer {
  ports: { http: number };
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

const MAX_PARTS = 100;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** 0 in configuration means "no limit"; the store says that with null. */
const limitOrNull = (n: number): number | null => (n > 0 ? n : null);

export function defaultProfile(config: Config): SubscriberProfile {
  return {
    language: config.defaultLanguage,
    timeZone: config.defaultTimeZone,
    currency: config.defaultCurrency,
    quotaBytes: limitOrNull(config.defaultQuotaBytes),
    quotaMessages: limitOrNull(config.defaultQuotaMessages),
    retentionDays: limitOrNull(config.defaultRetentionDays),
  };
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'switchboard' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/**
 * The composition root: opens the store, wires directory, intake and mailbox, starts the HTTP
 * server and writes the chosen ports to `<data dir>/ports.json`.
 */
export async function startServer(
  config: Config,
  logger: Logger = createLogger(config),
): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true });
  const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const applied = await migrate(database);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  const keys = loadKeyRing(config.dataDir, config.blobKeys, config.blobKeyId);
  const blobs = new BlobVault(
    database.db,
    join(config.dataDir, 'blobs'),
    keys,
    config.inlineBlobMaxBytes,
    database.reader,
  );
  const subscribers = new SubscriberRepository(database.db, database.reader);
  const messages = new MessageRepository(database.db, database.dialect, database.reader);
  const bus = new LocalBus((topic, err) => logger.error({ err, topic }, 'bus handler failed'));
  const metrics = createMetrics();

  const directory = new Directory(subscribers, subscribers, {
    ownership: { domains: config.domains, numberRanges: config.numberRanges },
    dynamicMailboxes: config.dynamicMailboxes,
    defaultProfile: defaultProfile(config),
    sessionTtlHours: config.sessionTtlHours,
  });
  const intake = new Intake(
    directory,
    messages,
    blobs,
    bus,
    {
      maxMessageBytes: config.maxMessageBytes,
      maxRecipients: config.maxRecipients,
      maxParts: MAX_PARTS,
    },
    {
      committed(count, seconds) {
        metrics.messagesIngested.inc(count);
        metrics.commitBatch.observe(count);
        metrics.commitSeconds.observe(seconds);
      },
      refused(kind) {
        metrics.refused.inc({ kind });
      },
    },
  );
  const mailbox = new MailboxService(messages, blobs, bus);

  const http = await buildHttpServer({
    config,
    logger,
    metrics,
    version: packageVersion(),
    ready: () => messages.ping(),
    api: {
      directory,
      intake,
      mailbox,
      messages,
      bus,
      principals: principalResolver(directory, config.adminToken),
      eventHeartbeatSeconds: 15,
      onEventClients: (delta) => metrics.eventClients.inc(delta),
    },
  });
  await http.listen({ host: config.httpHost, port: config.httpPort });
  const port = (http.server.address() as AddressInfo).port;
  const scheme = config.tlsCert ? 'https' : 'http';
  const shownHost =
    config.httpHost === '0.0.0.0' || config.httpHost === '::' ? '127.0.0.1' : config.httpHost;
  const url = `${scheme}://${shownHost}:${port}`;
  // Written whole and renamed into place: scripts waiting for the file never read half of it.
  const portsFile = join(config.dataDir, 'ports.json');
  await writeFile(
    `${portsFile}.tmp`,
    JSON.stringify({ http: port, url, pid: process.pid }, null, 2) + '\n',
  );
  await rename(`${portsFile}.tmp`, portsFile);
  logger.info(
    { http: port, url, database: database.dialect, dataDir: config.dataDir },
    'switchboard is listening',
  );

  let closing: Promise<void> | null = null;
  return {
    ports: { http: port },
    url,
    logger,
    close() {
      closing ??= (async () => {
        // Stop taking requests, let in-flight ones (and their commits) finish, then close the store.
        await http.close();
        await database.close();
        logger.info('switchboard stopped');
      })();
      return closing;
    },
  };
}
