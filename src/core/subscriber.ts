export type SubscriberStatus = 'active' | 'inactive';
export type Role = 'subscriber' | 'admin';

/** Per message type: which channels tell the subscriber, urgent only or all. */
export interface NotificationPreferences {
  rules?: Array<{ messageType: string; channels: string[]; urgentOnly?: boolean }>;
  quietHours?: { start: string; end: string };
  /** Where email notices (voicemail-to-email) go; defaults to the first mail address. */
  email?: string;
}

export interface Subscriber {
  id: string;
  name: string;
  addresses: string[];
  language: string;
  timeZone: string;
  currency: string;
  status: SubscriberStatus;
  role: Role;
  /** null means unlimited. */
  quotaBytes: number | null;
  quotaMessages: number | null;
  retentionDays: number | null;
  /** Most this subscriber may spend on paid destinations per calendar month (per currency of the carrying resources; no conversion); null for no limit. */
  spendLimit: number | null;
  usedBytes: number;
  messageCount: number;
  notificationPreferences: NotificationPreferences;
  /** Created on first message by the dynamic mailbox rule rather than by an operator. */
  dynamic: boolean;
  hasPassword: boolean;
  hasPin: boolean;
  hasSipSecret: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The operator's default profile, applied to subscribers created without explicit values. */
export interface SubscriberProfile {
  language: string;
  timeZone: string;
  currency: string;
  quotaBytes: number | null;
  quotaMessages: number | null;
  retentionDays: number | null;
}

export interface NewSubscriber extends Partial<SubscriberProfile> {
  name: string;
  addresses: string[];
  role?: Role;
  status?: SubscriberStatus;
  dynamic?: boolean;
  notificationPreferences?: NotificationPreferences;
  spendLimit?: number | null;
}

/** Secrets as stored: never plaintext. */
export interface Credentials {
  passwordHash: string | null;
  pinHash: string | null;
  /** SIP digest HA1 values (RFC 2617 MD5, RFC 8760 SHA-256); digest needs them, not a slow hash. */
  sipHa1Md5: string | null;
  sipHa1Sha256: string | null;
  sipRealm: string | null;
}

export type SubscriberPatch = Partial<
  Pick<
    Subscriber,
    | 'name'
    | 'language'
    | 'timeZone'
    | 'currency'
    | 'status'
    | 'role'
    | 'quotaBytes'
    | 'quotaMessages'
    | 'retentionDays'
    | 'spendLimit'
    | 'notificationPreferences'
  >
> & { addresses?: string[] };
