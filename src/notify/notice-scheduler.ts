import type { DeliveryRecord, Envelope, IncomingPart } from '../core/ingest.js';
import type {
  AccountNoticeKind,
  DigestGroup,
  DigestMessage,
  DueNotice,
  NoticeStore,
} from '../core/notice-ports.js';
import type { Subscriber } from '../core/subscriber.js';
import { newId } from '../lib/ids.js';
import { accountTextsFor, type Notice } from './account-texts.js';
import { quietUntil } from './quiet-hours.js';
import { accountNoticeTargets, ruleChannels } from './rules.js';
import { shownAddress } from './templates.js';

const DAY_MS = 86_400_000;
/**
 * An account is often made in steps (created, then its PIN and password set): it is welcomed
 * once it has been active this long, so the welcome tells what is true.
 */
const SETTLE_MS = 5000;

export interface NoticeSchedulerOptions {
  /** This node's name in the scheduler lease. */
  owner: string;
  pollMs: number;
  /** How long a node keeps the lease without renewing it; then another node takes over. */
  leaseMs: number;
  welcome: boolean;
  /** Share of the quota (percent) that is "nearly full"; 0 for no such notice. */
  nearlyFullPercent: number;
  /** A subscriber without a PIN is reminded this long after activation; 0 for never. */
  pinReminderMs: number;
  /** Messages going within this many days are announced; 0 for no such notice. */
  expiryWarnDays: number;
  /** At most one expiry notice per subscriber this often. */
  expiryIntervalMs: number;
  /** Most messages a digest or an expiry notice lists; the rest are counted. */
  maxListed: number;
  /** Most notices of each kind per run; the rest wait for the next. */
  batch: number;
  voicemailNumber: string;
  webUrl: () => string;
  /** The sender of account notices, e.g. mailto:postmaster@<domain>. */
  postmaster: string;
}

export interface NoticeSchedulerDeps {
  store: NoticeStore;
  /** Reads the subscriber fresh, not from a cache: the notice says what is true now. */
  subscriber(id: string): Promise<Subscriber | null>;
  ingest(envelope: Envelope, parts: IncomingPart[]): Promise<unknown>;
  messageLink(messageId: string): string | null;
  /** New deliveries were queued outside intake: the queue should look now. */
  wake(): void;
  clock?: () => Date;
  log: {
    info(detail: object, msg: string): void;
    error(detail: object, msg: string): void;
  };
}

/**
 * The periodic side of notices: welcomes, prompts for action (nearly full, no PIN, messages
 * about to expire) and digests. State is in the database and every notice is keyed by the
 * episode it belongs to, so a restart, a crash half-way or a second node sends nothing twice;
 * a lease lets one node at a time do the work.
 */
export class NoticeScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly deps: NoticeSchedulerDeps,
    private readonly options: NoticeSchedulerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.runOnce().finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs);
      });
    };
    this.timer = setTimeout(tick, Math.min(this.options.pollMs, 1000));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every kind of notice; each kind's failure is logged, not fatal to the rest. */
  async runOnce(now: Date = this.now()): Promise<void> {
    const iso = now.toISOString();
    const until = new Date(now.getTime() + this.options.leaseMs).toISOString();
    try {
      if (!(await this.deps.store.lease('notices', this.options.owner, iso, until))) return;
    } catch (err) {
      this.deps.log.error({ err }, 'notice scheduler lease failed');
      return;
    }
    const o = this.options;
    await this.step('welcome', async () => {
      await this.deps.store.trackActivations(iso);
      if (!o.welcome) return;
      const settled = new Date(now.getTime() - SETTLE_MS).toISOString();
      for (const due of await this.deps.store.welcomesDue(settled, o.batch))
        await this.account('welcome', due, now, (s) =>
          accountTextsFor(s.language).welcome({
            name: s.name,
            numbers: s.addresses.filter((a) => a.startsWith('tel:')).map(shownAddress),
            voicemailNumber: o.voicemailNumber,
            webUrl: o.webUrl(),
            hasPin: s.hasPin,
          }),
        );
    });
    if (o.welcome)
      await this.step('service-welcome', async () => {
        let after = '';
        for (;;) {
          const page = await this.deps.store.servicesKnown(after, 500);
          for (const known of page) await this.serviceWelcome(known, now);
          if (page.length < 500) break;
          after = page.at(-1)!.subscriberId;
        }
      });
    if (o.pinReminderMs > 0)
      await this.step('pin-reminder', async () => {
        const before = new Date(now.getTime() - o.pinReminderMs).toISOString();
        for (const due of await this.deps.store.pinRemindersDue(before, o.batch))
          await this.account('pin-reminder', due, now, (s) =>
            s.hasPin
              ? null
              : accountTextsFor(s.language).pinReminder({
                  voicemailNumber: o.voicemailNumber,
                  webUrl: o.webUrl(),
                }),
          );
      });
    if (o.nearlyFullPercent > 0)
      await this.step('nearly-full', async () => {
        await this.deps.store.trackFullness(o.nearlyFullPercent, iso);
        for (const due of await this.deps.store.nearlyFullDue(o.batch))
          await this.account('nearly-full', due, now, (s) =>
            accountTextsFor(s.language).nearlyFull({
              percent: o.nearlyFullPercent,
              usedBytes: s.usedBytes,
              quotaBytes: s.quotaBytes,
              messages: s.messageCount,
              quotaMessages: s.quotaMessages,
              webUrl: o.webUrl(),
            }),
          );
      });
    if (o.expiryWarnDays > 0)
      await this.step('expiring', async () => {
        const horizon = new Date(now.getTime() + o.expiryWarnDays * DAY_MS).toISOString();
        const toldBefore = new Date(now.getTime() - o.expiryIntervalMs).toISOString();
        for (const due of await this.deps.store.expiringDue(horizon, toldBefore, o.batch)) {
          const going = await this.deps.store.expiringMessages(due.subscriberId, horizon, 1000);
          if (going.length === 0) continue;
          const listed = going.slice(0, o.maxListed);
          await this.account('expiring', due, now, (s) =>
            accountTextsFor(s.language).expiring({
              messages: listed.map((m) => ({ ...m, at: m.expiresAt, link: this.link(m.id) })),
              more: going.length - listed.length,
              timeZone: s.timeZone,
              webUrl: o.webUrl(),
            }),
          );
        }
      });
    await this.step('digest', async () => {
      let queued = 0;
      for (const group of await this.deps.store.digestsDue(iso, o.batch))
        if (await this.digest(group, now)) queued++;
      if (queued > 0) this.deps.wake();
    });
  }

  private now(): Date {
    return this.deps.clock?.() ?? new Date();
  }

  private async step(kind: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.deps.log.error({ err, kind }, 'notice scheduler step failed');
    }
  }

  private link(messageId: string): string | null {
    try {
      return this.deps.messageLink(messageId);
    } catch {
      return null;
    }
  }

  /**
   * An account notice is a short system message in the subscriber's own mailbox (so it is
   * there to read again, from any access), committed with the notices about it on the channels
   * the subscriber chose. Its idempotency key is the episode's, so repeating this after a crash,
   * or on a second node, stores and sends nothing new.
   */
  private async account(
    kind: AccountNoticeKind,
    due: DueNotice,
    now: Date,
    texts: (subscriber: Subscriber) => Notice | null,
    only: readonly string[] | null = null,
  ): Promise<void> {
    const subscriber = await this.deps.subscriber(due.subscriberId);
    const notice = subscriber?.status === 'active' ? texts(subscriber) : null;
    if (subscriber && notice) {
      const prefs = subscriber.notificationPreferences;
      const quiet = prefs.quietHours
        ? quietUntil(now, prefs.quietHours, subscriber.timeZone)
        : null;
      const notices: DeliveryRecord[] = accountNoticeTargets(subscriber, only).map((t) => ({
        id: newId(),
        recipient: t.recipient,
        priority: 'normal',
        kind: 'notification',
        subscriberId: subscriber.id,
        messageType: 'text',
        channel: t.channel,
        scheduledAt: quiet ? quiet.toISOString() : null,
        expiresAt: null,
        receipt: false,
        payload: {
          notice: kind,
          language: subscriber.language,
          subject: notice.subject,
          text: notice.text,
        },
      }));
      try {
        await this.deps.ingest(
          {
            type: 'text',
            from: this.options.postmaster,
            to: [subscriber.addresses[0] ?? this.options.postmaster],
            subject: notice.subject,
            intoMailbox: subscriber.id,
            senderId: subscriber.id,
            idempotencyKey: `notice:${kind}:${due.since || 'first'}`,
            receipt: false,
            exemptFromQuota: true,
            notices,
          },
          [
            {
              contentType: 'text/plain; charset=utf-8',
              content: Buffer.from(notice.text, 'utf8'),
            },
          ],
        );
      } catch (err) {
        // Another node stored the same notice a moment ago: its key is taken, the work is done.
        if (!/unique|duplicate|idempotency/i.test(String((err as Error).message))) throw err;
      }
      this.deps.log.info(
        { subscriber: subscriber.id, kind, channels: notices.length },
        'account notice',
      );
    }
    await this.deps.store.markSent(kind, due.subscriberId, due.since, now.toISOString());
  }

  /**
   * A notice channel switched on since we last looked (SMS notices, email notices, calls) gets
   * its own welcome, on that channel alone. What a subscriber has when first seen counts as
   * known: the account's own welcome covers it.
   */
  private async serviceWelcome(
    known: { subscriberId: string; channels: string[] | null },
    now: Date,
  ): Promise<void> {
    const subscriber = await this.deps.subscriber(known.subscriberId);
    if (!subscriber) return;
    const current = ruleChannels(subscriber);
    const added = known.channels ? current.filter((c) => !known.channels!.includes(c)) : [];
    const changed =
      known.channels === null || [...current].sort().join() !== [...known.channels].sort().join();
    for (const channel of added)
      await this.account(
        'service-welcome',
        // The episode: this channel, added to what was known, on this day.
        {
          subscriberId: subscriber.id,
          since: `${channel}:${known.channels!.join(',')}:${now.toISOString().slice(0, 10)}`,
        },
        now,
        (s) =>
          accountTextsFor(s.language).serviceWelcome({ channel, webUrl: this.options.webUrl() }),
        [channel],
      );
    // A channel switched off is forgotten: switched on again, it is welcomed again.
    if (changed) await this.deps.store.setServicesKnown(subscriber.id, current);
  }

  private async digest(group: DigestGroup, now: Date): Promise<boolean> {
    const subscriber = await this.deps.subscriber(group.subscriberId);
    if (!subscriber) return false;
    const prefs = subscriber.notificationPreferences;
    const quiet = prefs.quietHours ? quietUntil(now, prefs.quietHours, subscriber.timeZone) : null;
    const delivery = await this.deps.store.takeDigest(
      group,
      now.toISOString(),
      this.options.maxListed,
      (messages: DigestMessage[], more: number) => {
        const listed = messages.map((m) => ({ ...m, link: this.link(m.id) }));
        const texts = accountTextsFor(subscriber.language).digest({
          messages: listed.map((m) => ({ ...m, at: m.createdAt })),
          more,
          timeZone: subscriber.timeZone,
        });
        const newest = messages[messages.length - 1]!;
        return {
          id: newId(),
          recipient: group.recipient,
          priority: 'normal',
          kind: 'notification',
          messageId: newest.id,
          subscriberId: subscriber.id,
          messageType: newest.type,
          channel: group.channel,
          scheduledAt: quiet ? quiet.toISOString() : null,
          expiresAt: null,
          receipt: false,
          payload: {
            notice: 'digest',
            messageId: newest.id,
            language: subscriber.language,
            subject: texts.subject,
            text: texts.text,
            more,
            messages: listed.map((m) => ({
              id: m.id,
              type: m.type,
              from: m.from,
              subject: m.subject,
              urgent: m.urgent,
              createdAt: m.createdAt,
              durationMs: m.durationMs,
              link: m.link,
            })),
          },
        };
      },
    );
    if (delivery)
      this.deps.log.info(
        { subscriber: subscriber.id, channel: group.channel, delivery: delivery.id },
        'digest queued',
      );
    return delivery !== null;
  }
}
