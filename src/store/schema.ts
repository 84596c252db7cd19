import type { Generated } from 'kysely';

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
  sip_ha1_md5: string | null;
  sip_ha1_sha256: string | null;
  sip_realm: string | null;
  created_at: string;
  updated_at: string;
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

export interface DeliveriesTable {
  id: string;
  message_id: string;
  recipient: string;
  status: string;
  priority: string;
  created_at: string;
  updated_at: string;
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

export interface Database {
  subscribers: SubscribersTable;
  addresses: AddressesTable;
  sessions: SessionsTable;
  messages: MessagesTable;
  parts: PartsTable;
  blobs: BlobsTable;
  deliveries: DeliveriesTable;
  idempotency_keys: IdempotencyKeysTable;
  message_search: SearchPgTable;
  kysely_migration: { name: string; timestamp: string };
  seq: Generated<number>;
}

export type Dialect = 'sqlite' | 'postgres';
