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
    addresses: ['tel:+15550002', 'mailto:bob@b.test'],
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
  assert.match(
    String(voice[0]!.payload.text),
    /neue Sprachnachricht von \+1\.\nEmpfangen: Mittwoch, 25. November 2026 um 23:00/,
  );
  const urgentFax = planNotices(
    bob,
    { id: 'm', type: 'fax', from: 'tel:+1', subject: 'x', urgent: true },
    night,
  );
  assert.deepEqual(
    urgentFax.map((n) => [n.channel, n.recipient, n.scheduledAt, n.priority]),
    [['smtp', 'mailto:bob@b.test', null, 'high']],
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
  assert.match(
    textsFor('en').receipt({
      status: 'S',
      recipient: 'x',
      subject: 's',
      errors: [],
      at: 't',
      callSeconds: 75,
    }).text,
    /delivered to x at t\. It was played on a call of 1:15\./,
  );
  assert.match(
    textsFor('de').receipt({
      status: 'S',
      recipient: 'x',
      subject: 's',
      errors: [],
      at: 't',
      callSeconds: 9,
    }).text,
    /in einem Anruf von 0:09 abgespielt/,
  );
});

test('email notices go to the notice address, name the caller, length and time', () => {
  const cy = {
    id: 'c',
    addresses: ['tel:+15550003'],
    language: 'en',
    timeZone: 'Europe/Berlin',
    notificationPreferences: {
      rules: [{ messageType: 'voice', channels: ['email', 'smtp'] }],
      email: 'Cy@Home.test',
    },
  } as unknown as Subscriber;
  const [notice, ...more] = planNotices(
    cy,
    {
      id: 'm',
      type: 'voice',
      from: 'tel:+4930123',
      subject: null,
      urgent: false,
      durationMs: 83_400,
    },
    new Date('2026-11-26T09:15:00Z'),
  );
  assert.equal(more.length, 0, 'email and smtp are one channel');
  assert.equal(notice!.recipient, 'mailto:cy@home.test');
  assert.equal(notice!.payload.subject, 'New voice message from +4930123 (1:23)');
  assert.match(
    String(notice!.payload.text),
    /Length: 1:23\nReceived: Thursday, 26 November 2026 at 10:15/,
  );
  const none = { ...cy, notificationPreferences: { rules: cy.notificationPreferences.rules } };
  assert.deepEqual(
    planNotices(
      none as Subscriber,
      { id: 'm', type: 'voice', from: 'x', subject: null, urgent: false },
      new Date(),
    ),
    [],
    'no mail address, no email notice',
  );
});

test('message links: a 43-character token opens its message until it expires; forgeries do not', async () => {
  const { MessageLinks } = await import('./message-links.js');
  const links = new MessageLinks(Buffer.alloc(32, 7), () => 'https://sb.example', 3_600_000);
  const id = '01a216c0-0444-7d7c-b049-d0efcc01d31b';
  const url = links.url(id, Date.UTC(2030, 0, 1));
  const token = url.slice('https://sb.example/l/'.length);
  assert.match(url, /^https:\/\/sb\.example\/l\/[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(links.open(token, Date.UTC(2030, 0, 1, 0, 30)), {
    messageId: id,
    expiresAt: new Date(Date.UTC(2030, 0, 1, 1)),
    expired: false,
  });
  assert.equal(links.open(token, Date.UTC(2030, 0, 1, 1))!.expired, true);
  const flipped = (token[5] === 'A' ? 'B' : 'A') + token.slice(1);
  assert.equal(links.open(token.slice(0, 5) + flipped.slice(0, 1) + token.slice(6)), null);
  assert.equal(new MessageLinks(Buffer.alloc(32, 8), () => '', 1).open(token), null, 'another key');
  assert.equal(links.open('short'), null);
});
