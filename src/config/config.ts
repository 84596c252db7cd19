/** The typed configuration object every part of Switchboard receives from the composition root. */
export interface Config {
  dataDir: string;
  httpHost: string;
  httpPort: number;
  tlsCert: string | null;
  tlsKey: string | null;
  domains: string[];
  numberRanges: string[];
  dynamicMailboxes: boolean;
  databaseUrl: string | null;
  natsUrl: string | null;
  adminToken: string | null;
  blobKeys: string[];
  blobKeyId: string | null;
  inlineBlobMaxBytes: number;
  maxMessageBytes: number;
  maxRecipients: number;
  sessionTtlHours: number;
  defaultLanguage: string;
  defaultTimeZone: string;
  defaultCurrency: string;
  defaultQuotaBytes: number;
  defaultQuotaMessages: number;
  defaultRetentionDays: number;
  publicUrl: string | null;
  deliveryPollMs: number;
  deliveryLeaseSeconds: number;
  deliveryRetryBaseMs: number;
  deliveryRetryMaxMs: number;
  deliveryBatch: number;
  resourceFailureLimit: number;
  logLevel: string;
}
