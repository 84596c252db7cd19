import type { Generated } from 'kysely';
import type { IvmTables } from './ivm-schema.js';

/**
 * Table shapes shared by SQLite and PostgreSQL. Portable column types only: timestamps are UTC ISO
 * 8601 text (fixed width, so they sort), booleans are 0/1 integers, JSON is text.
 */
export interface SubscribersTable {
  id: string;
  name: string;
  language: string;
  time_zone: string;
  currency: string;
  status: string;
  role: string;
  quota_bytes: number | null;
  quota_messages: number | null;
  retention_days: number | null;
  used_bytes: number;
  message_count: number;
  notification_preferences: string;
  dynamic: number;
  password_hash: string | null;
  pin_hash: string | null;
  pin_failures: Generated<number>;
  pin_locked_until: string | null;
  sip_ha1_md5: string | null;
  sip_ha1_sha256: string | null;
  sip_realm: string | null;
  created_at: string;
  updated_at: string;
  spend_limit_micros: number | null;
}

export interface AddressesTable {
  uri: string;
  subscriber_id: string;
  position: number;
}

export interface SessionsTable {
  token_hash: string;
  subscriber_id: string;
  created_at: string;
  expires_at: string;
}

export interface MessagesTable {
  id: string;
  mailbox_id: string;
  type: string;
  folder: string;
  previous_folder: string | null;
  from_address: string;
  to_addresses: string;
  subject: string | null;
  is_read: number;
  urgent: number;
  created_at: string;
  accessed_at: string | null;
  expires_at: string | null;
  size: number;
  duration_ms: number | null;
  pages: number | null;
  /** Mail: the RFC 8601 Authentication-Results of the SPF, DKIM and DMARC checks. */
  auth_results: string | null;
  /** SQLite only: rowid of the message's row in the FTS5 table, so it can be deleted cheaply. */
  search_rowid: number | null;
}

export interface PartsTable {
  message_id: string;
  idx: number;
  content_type: string;
  filename: string | null;
  disposition: string;
  size: number;
  sha256: string;
  derived_from: number | null;
  converter: string | null;
}

export interface BlobsTable {
  sha256: string;
  size: number;
  key_id: string;
  /** 'db' when the sealed bytes are in `data`, 'file' when under <data dir>/blobs. */
  location: string;
  data: Buffer | null;
  created_at: string;
}

/** A subscriber's greeting of one kind; both blobs are in `blobs`, sealed like message parts. */
export interface GreetingsTable {
  subscriber_id: string;
  kind: string;
  content_type: string;
  size: number;
  sha256: string;
  duration_ms: number;
  playable_type: string;
  playable_size: number;
  playable_sha256: string;
  updated_at: string;
}

export interface DeliveriesTable {
  id: string;
  message_id: string;
  recipient: string;
  status: string;
  priority: string;
  created_at: string;
  updated_at: string;
  kind: Generated<string>;
  subscriber_id: string | null;
  message_type: string | null;
  channel: string | null;
  priority_rank: Generated<number>;
  scheduled_at: string | null;
  expires_at: string | null;
  next_attempt_at: string | null;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  lease_owner: string | null;
  lease_until: string | null;
  resource_id: string | null;
  hold_reason: string | null;
  last_error: string | null;
  error_log: Generated<string>;
  payload: string | null;
  finished_at: string | null;
  receipt: number;
}

export interface ResourcesTable {
  id: string;
  name: string;
  type: string;
  message_types: string;
  formats: string;
  status: string;
  status_reason: string | null;
  channels: number;
  rates: string;
  currency: string;
  config: string;
  secret_sealed: string | null;
  consecutive_failures: number;
  created_at: string;
  updated_at: string;
}

export interface CdrsTable {
  id: string;
  delivery_id: string;
  subscriber_id: string | null;
  resource_id: string;
  destination: string;
  attempt: number;
  result: string;
  unit: string;
  units: number;
  rate_micros: number;
  cost_micros: number;
  currency: string;
  started_at: string;
  ended_at: string;
}

export interface SmsSubmissionsTable {
  resource_id: string;
  smsc_id: string;
  delivery_id: string;
  part: number;
  parts: number;
  status: string;
  error: string | null;
  created_at: string;
}

export interface NoticeCodesTable {
  code: string;
  subscriber_id: string;
  message_id: string;
  created_at: string;
  expires_at: string;
}

export interface IdempotencyKeysTable {
  subscriber_id: string;
  key: string;
  result: string;
  created_at: string;
}

export interface SearchPgTable {
  message_id: string;
  mailbox_id: string;
  document: unknown;
}

/** An application's SMPP login: see migration 007. */
export interface SmppAccountsTable {
  id: string;
  system_id: string;
  password_hash: string;
  subscriber_id: string;
  /** JSON list of E.164 numbers or prefixes ending in `*`. */
  source_addresses: string;
  throughput: number;
  created_at: string;
  updated_at: string;
}

/** What the notice scheduler already told a subscriber: see migration 008. */
export interface NoticeStateTable {
  subscriber_id: string;
  /** When the current activation began; null while inactive or not yet seen active. */
  active_since: string | null;
  welcomed_at: string | null;
  pin_reminded_at: string | null;
  /** When usage last crossed the nearly-full share; null while below it. */
  full_since: string | null;
  full_noticed_at: string | null;
  expiry_noticed_at: string | null;
  /** The notice channels the subscriber was welcomed to (JSON array); null until first seen. */
  services_known: string | null;
}

/** A message waiting for its digest on one channel. */
export interface NoticeDigestEntriesTable {
  id: string;
  subscriber_id: string;
  channel: string;
  recipient: string;
  message_id: string;
  due_at: string;
  created_at: string;
}

export interface NoticeLeasesTable {
  name: string;
  owner: string;
  lease_until: string;
}

export interface Database extends IvmTables {
  subscribers: SubscribersTable;
  addresses: AddressesTable;
  sessions: SessionsTable;
  messages: MessagesTable;
  parts: PartsTable;
  blobs: BlobsTable;
  greetings: GreetingsTable;
  deliveries: DeliveriesTable;
  resources: ResourcesTable;
  cdrs: CdrsTable;
  idempotency_keys: IdempotencyKeysTable;
  sms_submissions: SmsSubmissionsTable;
  notice_codes: NoticeCodesTable;
  smpp_accounts: SmppAccountsTable;
  notice_state: NoticeStateTable;
  notice_digest_entries: NoticeDigestEntriesTable;
  notice_leases: NoticeLeasesTable;
  message_search: SearchPgTable;
  kysely_migration: { name: string; timestamp: string };
  seq: Generated<number>;
}

export type Dialect = 'sqlite' | 'postgres';
