import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Subscriber } from '../core/subscriber.js';
import { quietUntil } from './quiet-hours.js';
import { planNotices } from './rules.js';
import { textsFor } from './templates.js';

test('quiet hours in the subscriber’s time zone, over midnight too', () => {
  const at = new Date('2026-11-25T22:30:00Z');
  assert.equal(
    quietUntil(at, { start: '22:00', end: '07:00' }, 'UTC')?.toISOString(),
    '2026-11-26T07:00:00.000Z',
  );
  assert.equal(quietUntil(at, { start: '08:00', end: '20:00' }, 'UTC'), null);
  // 22:30 UTC is 23:30 in Berlin (winter): inside 23:00-23:45 there.
  assert.equal(
    quietUntil(at, { start: '23:00', end: '23:45' }, 'Europe/Berlin')?.toISOString(),
    '2026-11-25T22:45:00.000Z',
  );
  assert.equal(
    quietUntil(at, { start: '22:30:00', end: '22:30:10' }, 'UTC')?.toISOString(),
    '2026-11-25T22:30:10.000Z',
  );
});

test('notices follow the rules: type, urgent-only, quiet hours, language', () => {
  const bob = {
    id: 'b',
    addresses: ['tel:+15550002'],
    language: 'de',
    timeZone: 'UTC',
    notificationPreferences: {
      rules: [
        { messageType: 'voice', channels: ['webhook', 'sms'] },
        { messageType: '*', channels: ['email'], urgentOnly: true },
      ],
      quietHours: { start: '22:00', end: '07:00' },
    },
  } as unknown as Subscriber;
  const night = new Date('2026-11-25T23:00:00Z');
  const voice = planNotices(
    bob,
    { id: 'm', type: 'voice', from: 'tel:+1', subject: null, urgent: false },
    night,
  );
  assert.deepEqual(voice.map((n) => n.channel).sort(), ['sms', 'webhook']);
  assert.ok(voice.every((n) => n.scheduledAt === '2026-11-26T07:00:00.000Z'));
  assert.match(String(voice[0]!.payload.text), /neue Sprachnachricht von tel:\+1/);
  const urgentFax = planNotices(
    bob,
    { id: 'm', type: 'fax', from: 'tel:+1', subject: 'x', urgent: true },
    night,
  );
  assert.deepEqual(
    urgentFax.map((n) => [n.channel, n.scheduledAt, n.priority]),
    [['email', null, 'high']],
  );
  assert.deepEqual(
    planNotices(bob, { id: 'm', type: 'fax', from: 'tel:+1', subject: null, urgent: false }, night),
    [],
  );
});

test('templates fall back to English and pick a language by its primary tag', () => {
  assert.match(
    textsFor('de-AT').receipt({ status: 'S', recipient: 'x', subject: null, errors: [], at: 't' })
      .subject,
    /^Zugestellt/,
  );
  assert.match(
    textsFor('fi').receipt({ status: 'F', recipient: 'x', subject: 's', errors: ['boom'], at: 't' })
      .text,
    /could not be delivered[\s\S]*- boom/,
  );
});
