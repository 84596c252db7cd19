export type SubscriberStatus = 'active' | 'inactive';
export type Role = 'subscriber' | 'admin';

/** A digest instead of one notice per message: every N minutes, or once a day at a local time. */
export type DigestSchedule = { intervalMinutes: number } | { dailyAt: string };

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * Which messages of a type notify on which channels. Every condition given must hold; a rule
 * without conditions matches every message of its type (what older preferences mean).
 */
export interface NotificationRule {
  messageType: string;
  channels: string[];
  urgentOnly?: boolean;
  /**
   * Sender patterns: an address (`ann@example.com`, `+4930123`), a number prefix ending in `*`
   * (`+4930*`) or a domain (`*@example.com`); the scheme (`tel:`, `mailto:`) may be left out.
   * With `include`, only matching senders notify; `exclude` silences matching senders.
   */
  from?: { include?: string[]; exclude?: string[] };
  /** Voice messages shorter than this notify nobody (a hang-up after the beep). */
  minDurationSeconds?: number;
  /** Only inside (or, with `outside`, only outside) these hours in the subscriber's time zone. */
  hours?: { days: Weekday[]; start: string; end: string; outside?: boolean };
  /** This rule's notices as a digest; `false` sends at once even when a global digest is set. */
  digest?: DigestSchedule | false;
}

/** Per message type: which channels tell the subscriber, urgent only or all. */
export interface NotificationPreferences {
  rules?: NotificationRule[];
  quietHours?: { start: string; end: string };
  /** Where email notices (voicemail-to-email) go; defaults to the first mail address. */
  email?: string;
  /** Every rule's notices as a digest, unless the rule says otherwise. */
  digest?: DigestSchedule;
  /**
   * Where account notices (welcome, mailbox nearly full, PIN reminder, messages about to expire)
   * go; default every channel the rules name.
   */
  accountNotices?: { channels: string[] };
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
