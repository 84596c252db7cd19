/** The voice messenger's tables (migration 010); see core/ivm.ts for what they mean. */
export interface IvmContactsTable {
  owner_id: string;
  contact_id: string;
  state: string;
  since: string;
}

export interface IvmGroupsTable {
  owner_id: string;
  name: string;
  /** JSON array of subscriber ids. */
  members: string;
  updated_at: string;
}

export interface IvmSettingsTable {
  subscriber_id: string;
  allow_anyone: number;
  updated_at: string;
}

export interface IvmDevicesTable {
  subscriber_id: string;
  device: string;
  cursor: string | null;
  receipt_cursor: string | null;
  seen_at: string;
}

export interface IvmPostsTable {
  sender_id: string;
  client_id: string;
  /** JSON object: recipient address → message id. */
  messages: string;
  duration_ms: number;
  created_at: string;
}

export interface IvmCopiesTable {
  message_id: string;
  mailbox_id: string;
  sender_id: string;
  client_id: string;
  recipient: string;
  /** JSON array of peaks 0..1. */
  waveform: string;
  delivered_at: string | null;
  played_at: string | null;
}

export interface IvmReceiptsTable {
  id: string;
  sender_id: string;
  client_id: string;
  recipient: string;
  state: string;
  at: string;
}

export interface IvmTables {
  ivm_contacts: IvmContactsTable;
  ivm_groups: IvmGroupsTable;
  ivm_settings: IvmSettingsTable;
  ivm_devices: IvmDevicesTable;
  ivm_posts: IvmPostsTable;
  ivm_copies: IvmCopiesTable;
  ivm_receipts: IvmReceiptsTable;
}
