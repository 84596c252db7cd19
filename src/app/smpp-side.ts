import type { Logger } from 'pino';
import { SmppServer } from '../channels/sms/smpp-server.js';
import type { Config } from '../config/config.js';
import type { Directory } from '../directory/directory.js';
import { senderAddress, SmppAccounts } from '../directory/smpp-accounts.js';
import type { Intake } from '../intake/intake.js';
import type { DatabaseHandle } from '../store/database.js';
import { SmppAccountRepository } from '../store/smpp-account-repository.js';

/** How long a deliver_sm (a receipt) waits for its deliver_sm_resp. */
const RECEIPT_RESPONSE_MS = 30_000;
/** A receipt the application refused or did not answer is tried again this much later. */
const RECEIPT_RETRY_MS = 10_000;

export interface SmppSide {
  /** The SMPP accounts, for the admin API and the CLI. */
  accounts: SmppAccounts;
  /** The queue ended a delivery: the receipt of an application's SMS, if one waits for it. */
  deliveryEnded(deliveryId: string, status: string): void;
  /** Starts listening on SWITCHBOARD_SMPP_PORT; gives the port. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/** The SMPP server for applications, wired to the accounts in the store and to intake. */
export function createSmppSide(deps: {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  directory: Directory;
  intake: Intake;
}): SmppSide {
  const { config } = deps;
  const logger = deps.logger.child({ channel: 'smpp' });
  const accounts = new SmppAccounts(
    new SmppAccountRepository(deps.database.db, deps.database.reader),
    deps.directory,
  );
  const seconds = (n: number) => Math.max(1, n) * 1000;
  const server = new SmppServer(
    {
      bind: (systemId, password) => accounts.bind(systemId, password),
      ingest: (envelope, parts) => deps.intake.ingest(envelope, parts),
      sender: (bound, requested) => senderAddress(bound.account, bound.subscriber, requested),
      log: {
        info: (detail, msg) => logger.info(detail, msg),
        warn: (detail, msg) => logger.warn(detail, msg),
      },
    },
    {
      maxConnections: config.smppMaxConnections,
      maxSessionsPerAccount: config.smppMaxSessionsPerAccount,
      window: Math.max(1, config.smppWindow),
      bindTimeoutMs: seconds(config.smppBindTimeoutSeconds),
      idleTimeoutMs: seconds(config.smppIdleTimeoutSeconds),
      responseTimeoutMs: RECEIPT_RESPONSE_MS,
      concatTimeoutMs: seconds(config.smppConcatTimeoutSeconds),
      maxPendingTexts: 10_000,
      maxPendingReceipts: config.smppMaxPendingReceipts,
      receiptRetryMs: RECEIPT_RETRY_MS,
    },
  );
  return {
    accounts,
    deliveryEnded: (id, status) => server.deliveryEnded(id, status),
    listen: () => server.listen(config.smppPort, config.httpHost),
    close: () => server.close(),
  };
}
