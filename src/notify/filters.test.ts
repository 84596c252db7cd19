import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotificationPreferences, Subscriber } from '../core/subscriber.js';
import { digestDueAt } from './digest-schedule.js';
import { insideHours, senderMatches } from './filters.js';
import { accountNoticeTargets, planNotices } from './rules.js';

function subscriber(prefs: NotificationPreferences, timeZone = 'UTC'): Subscriber {
  return {
    id: 's',
    addresses: ['tel:+15550002', 'mailto:bob@b.test'],
    language: 'en',
    timeZone,
    notificationPreferences: prefs,
  } as unknown as Subscriber;
}

const voice = (from: string, fields: { durationMs?: number; urgent?: boolean } = {}) => ({
  id: 'm',
  type: 'voice',
  from,
  subject: null,
  urgent: fields.urgent ?? false,
  durationMs: fields.durationMs ?? 30_000,
});

// A Wednesday.
const NOON = new Date('2026-03-04T12:00:00Z');

test('sender patterns: exact, number prefix, domain, with or without scheme', () => {
  assert.ok(senderMatches('+4930*', 'tel:+4930123'));
  assert.ok(!senderMatches('+4930*', 'tel:+4940123'));
  assert.ok(senderMatches('*@Example.com', 'mailto:ann@example.com'));
  assert.ok(senderMatches('ann@example.com', 'mailto:ann@example.com'));
  assert.ok(!senderMatches('ann@example.com', 'mailto:anna@example.com'));
  assert.ok(senderMatches('tel:+1*', 'tel:+1555'));
  assert.ok(!senderMatches('mailto:*', 'tel:+1555'));
  assert.ok(!senderMatches('a.c', 'tel:abc'), 'a dot is a dot, not any character');
});

test('business hours in the subscriber’s zone, on the chosen days, over midnight too', () => {
  const week = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, start: '09:00', end: '17:00' };
  assert.ok(insideHours({ ...week, days: [...week.days] }, NOON, 'UTC'));
  // 12:00 UTC is 21:00 in Tokyo: outside.
  assert.ok(!insideHours({ ...week, days: [...week.days] }, NOON, 'Asia/Tokyo'));
  assert.ok(!insideHours({ ...week, days: ['sat', 'sun'] }, NOON, 'UTC'));
  // Tuesday night shift: 22:00-06:00 covers Wednesday 03:00.
  const night = { days: ['tue' as const], start: '22:00', end: '06:00' };
  assert.ok(insideHours(night, new Date('2026-03-04T03:00:00Z'), 'UTC'));
  assert.ok(!insideHours(night, new Date('2026-03-05T03:00:00Z'), 'UTC'));
});

test('filters: include and exclude senders, minimum length, hours; old rules keep working', () => {
  const bob = subscriber({
    rules: [
      {
        messageType: 'voice',
        channels: ['sms'],
        from: { include: ['+4930*'], exclude: ['+49301*'] },
      },
      { messageType: 'voice', channels: ['webhook'], minDurationSeconds: 5 },
      {
        messageType: 'voice',
        channels: ['pager'],
        hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
      },
      {
        messageType: 'voice',
        channels: ['email'],
        hours: {
          days: ['mon', 'tue', 'wed', 'thu', 'fri'],
          start: '09:00',
          end: '17:00',
          outside: true,
        },
      },
    ],
  });
  const channels = (m: ReturnType<typeof voice>, at = NOON) =>
    planNotices(bob, m, at)
      .map((n) => n.channel)
      .sort();
  assert.deepEqual(channels(voice('tel:+4930222')), ['pager', 'sms', 'webhook']);
  assert.deepEqual(channels(voice('tel:+4930111')), ['pager', 'webhook'], 'excluded prefix');
  assert.deepEqual(channels(voice('tel:+3312')), ['pager', 'webhook'], 'not included');
  assert.deepEqual(channels(voice('tel:+3312', { durationMs: 2000 })), ['pager'], 'too short');
  assert.deepEqual(
    channels(voice('tel:+3312'), new Date('2026-03-07T12:00:00Z')),
    ['smtp', 'webhook'],
    'Saturday: outside business hours',
  );
  const old = subscriber({
    rules: [{ messageType: '*', channels: ['webhook'], urgentOnly: true }],
  });
  assert.equal(planNotices(old, voice('tel:+1'), NOON).length, 0);
  assert.equal(planNotices(old, voice('tel:+1', { urgent: true }), NOON).length, 1);
});

test('digests: per rule or global; at once wins for a channel; urgent never waits', () => {
  const prefs: NotificationPreferences = {
    digest: { dailyAt: '18:00' },
    rules: [
      { messageType: 'voice', channels: ['webhook'] },
      { messageType: 'voice', channels: ['sms'], digest: { intervalMinutes: 15 } },
      { messageType: 'voice', channels: ['email'], digest: false },
    ],
  };
  const plan = planNotices(subscriber(prefs, 'Europe/Berlin'), voice('tel:+1'), NOON);
  const due = Object.fromEntries(plan.map((n) => [n.channel, n.digestDueAt]));
  assert.deepEqual(due, {
    webhook: '2026-03-04T17:00:00.000Z',
    sms: '2026-03-04T12:15:00.000Z',
    smtp: null,
  });
  const urgent = planNotices(subscriber(prefs), voice('tel:+1', { urgent: true }), NOON);
  assert.ok(urgent.every((n) => n.digestDueAt === null));
  const both = planNotices(
    subscriber({
      rules: [
        { messageType: 'voice', channels: ['webhook'], digest: { intervalMinutes: 60 } },
        { messageType: '*', channels: ['webhook'] },
      ],
    }),
    voice('tel:+1'),
    NOON,
  );
  assert.deepEqual(
    both.map((n) => n.digestDueAt),
    [null],
    'one notice, at once',
  );
});

test('digest due times: interval after the first message; daily at the next local time', () => {
  assert.equal(
    digestDueAt({ intervalMinutes: 60 }, NOON, 'UTC').toISOString(),
    '2026-03-04T13:00:00.000Z',
  );
  assert.equal(
    digestDueAt({ dailyAt: '08:00' }, NOON, 'UTC').toISOString(),
    '2026-03-05T08:00:00.000Z',
  );
  assert.equal(
    digestDueAt({ dailyAt: '12:00' }, NOON, 'UTC').toISOString(),
    '2026-03-05T12:00:00.000Z',
    'at the hour itself: the next day',
  );
  // Berlin moves to summer time on 29 March 2026: 08:00 local is 06:00 UTC the day after.
  assert.equal(
    digestDueAt(
      { dailyAt: '08:00' },
      new Date('2026-03-28T12:00:00Z'),
      'Europe/Berlin',
    ).toISOString(),
    '2026-03-29T06:00:00.000Z',
  );
});

test('account notices go where the subscriber said, else to every channel of their rules', () => {
  const byRules = subscriber({
    rules: [
      { messageType: 'voice', channels: ['webhook', 'email'] },
      { messageType: 'fax', channels: ['webhook'] },
    ],
  });
  assert.deepEqual(accountNoticeTargets(byRules), [
    { channel: 'webhook', recipient: 'tel:+15550002' },
    { channel: 'smtp', recipient: 'mailto:bob@b.test' },
  ]);
  const chosen = subscriber({
    rules: [{ messageType: 'voice', channels: ['webhook'] }],
    accountNotices: { channels: ['email'] },
  });
  assert.deepEqual(accountNoticeTargets(chosen), [
    { channel: 'smtp', recipient: 'mailto:bob@b.test' },
  ]);
});
