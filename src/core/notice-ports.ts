import type { DeliveryRecord } from './ingest.js';

/** An account notice that is due: whose, and the episode it belongs to (its idempotency). */
export interface DueNotice {
  subscriberId: string;
  /** When the episode began (activation, crossing); the notice is keyed by it. */
  since: string;
}

/** Kinds of account notice the store keeps "already told" state for. */
export type AccountNoticeKind =
  'welcome' | 'pin-reminder' | 'nearly-full' | 'expiring' | 'service-welcome';

/** A message about to be removed by its retention or its expiry time. */
export interface ExpiringMessage {
  id: string;
  type: string;
  from: string;
  subject: string | null;
  createdAt: string;
  /** When it goes: created + retention days, or its own expiry, whichever is first. */
  expiresAt: string;
}

/** A message listed in a digest. */
export interface DigestMessage {
  id: string;
  type: string;
  from: string;
  subject: string | null;
  urgent: boolean;
  createdAt: string;
  durationMs: number | null;
  pages: number | null;
}

export interface DigestGroup {
  subscriberId: string;
  channel: string;
  recipient: string;
}

/**
 * What the notice scheduler keeps in the database: a lease so one node runs it at a time, the
 * state of each subscriber's account notices, and the messages waiting for digests.
 */
export interface NoticeStore {
  /**
   * Active, already welcomed subscribers after `afterId` (by id), with the notice channels they
   * were welcomed to (null: never seen yet).
   */
  servicesKnown(
    afterId: string,
    limit: number,
  ): Promise<Array<{ subscriberId: string; channels: string[] | null }>>;
  setServicesKnown(subscriberId: string, channels: string[]): Promise<void>;
  /** Takes or renews the named lease for `owner` until `until`; false when another node holds it. */
  lease(name: string, owner: string, now: string, until: string): Promise<boolean>;
  /**
   * Records activations and deactivations seen since the last run: an active subscriber with no
   * activation gets one starting `now`; an inactive one loses it (and its welcome and reminder,
   * so that a later activation is welcomed again).
   */
  trackActivations(now: string): Promise<void>;
  /** Activations begun at or before `activatedBefore`, not yet welcomed. */
  welcomesDue(activatedBefore: string, limit: number): Promise<DueNotice[]>;
  /** Activations at least as old as `activatedBefore` whose subscriber has no PIN, not reminded. */
  pinRemindersDue(activatedBefore: string, limit: number): Promise<DueNotice[]>;
  /**
   * Records crossings of `percent` of the byte or message quota: a crossing starts when usage is
   * at or over it, and ends when usage is back under it (so the next crossing is told again).
   */
  trackFullness(percent: number, now: string): Promise<void>;
  nearlyFullDue(limit: number): Promise<DueNotice[]>;
  /**
   * Active subscribers with messages going before `horizon` who were last told before
   * `toldBefore` (or never); `since` is when they were last told, '' for never.
   */
  expiringDue(horizon: string, toldBefore: string, limit: number): Promise<DueNotice[]>;
  expiringMessages(
    subscriberId: string,
    horizon: string,
    limit: number,
  ): Promise<ExpiringMessage[]>;
  /** Marks the notice of an episode sent; a no-op when the episode changed meanwhile. */
  markSent(
    kind: AccountNoticeKind,
    subscriberId: string,
    since: string,
    now: string,
  ): Promise<void>;
  /** Digests whose earliest message is due at `now`. */
  digestsDue(now: string, limit: number): Promise<DigestGroup[]>;
  /**
   * Takes a due digest's entries (unread messages outside the trash) and, in the same
   * transaction, queues the delivery `build` makes of them; a digest with nothing left to tell
   * queues nothing. Entries taken are gone, so no other node sends them again.
   */
  takeDigest(
    group: DigestGroup,
    now: string,
    maxListed: number,
    build: (messages: DigestMessage[], more: number) => DeliveryRecord & { messageId: string },
  ): Promise<DeliveryRecord | null>;
}
