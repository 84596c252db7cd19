import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  conditionsDraft,
  conditionsFromDraft,
  digestDraft,
  digestFromDraft,
  fromGrid,
  patternProblem,
  toGrid,
} from '../../web/src/screens/settings/notification-rules.js';

test('rules with other conditions for the same type keep a row each and come back unchanged', () => {
  const rules = [
    {
      messageType: 'voice',
      channels: ['sms'],
      from: { include: ['+4930*'] },
      hours: { days: ['mon' as const], start: '08:00', end: '18:00' },
    },
    {
      messageType: 'voice',
      channels: ['email'],
      hours: { days: ['mon' as const], start: '08:00', end: '18:00', outside: true },
      digest: false as const,
    },
    { messageType: 'fax', channels: ['email'], digest: { dailyAt: '18:00' } },
  ];
  const grid = toGrid(rules);
  assert.deepEqual(Object.keys(grid).includes('voice#2'), true);
  assert.deepEqual(fromGrid(grid), rules);
});

test('the form turns what was typed into the API shape, or says what is wrong', () => {
  const draft = {
    ...conditionsDraft({}),
    include: ' +4930*, *@example.com,,tel:+1* ',
    minSeconds: '5',
  };
  assert.deepEqual(conditionsFromDraft(draft, 'c', true), {
    value: { from: { include: ['+4930*', '*@example.com', 'tel:+1*'] }, minDurationSeconds: 5 },
    problems: [],
  });
  assert.deepEqual(conditionsFromDraft(draft, 'c', false).value.minDurationSeconds, undefined);
  for (const bad of ['+49 30*', '*', 'sip:*', 'a@b@c', '+49-30'])
    assert.ok(patternProblem(bad), bad);
  for (const good of ['ann@example.com', '*@example.com', '+4930*', 'tel:+4930123'])
    assert.equal(patternProblem(good), null, good);
  const wrong = conditionsFromDraft(
    { ...draft, minSeconds: '-1', hoursOn: true, days: [] },
    'c',
    true,
  );
  assert.deepEqual(
    wrong.problems.map((p) => p.field),
    ['c-min', 'c-days'],
  );

  assert.deepEqual(digestFromDraft(digestDraft(undefined, 'now'), 'account', 'd'), {
    value: undefined,
  });
  assert.deepEqual(digestFromDraft(digestDraft(false, 'account'), 'rule', 'd'), { value: false });
  assert.deepEqual(digestDraft({ intervalMinutes: 90 }, 'now'), {
    mode: 'interval',
    amount: '90',
    unit: 'minutes',
    at: '18:00',
  });
  assert.deepEqual(digestFromDraft(digestDraft({ intervalMinutes: 120 }, 'now'), 'account', 'd'), {
    value: { intervalMinutes: 120 },
  });
  assert.ok(
    'problem' in
      digestFromDraft(
        { ...digestDraft(undefined, 'now'), mode: 'interval', amount: '0' },
        'account',
        'd',
      ),
  );
  assert.ok(
    'problem' in
      digestFromDraft(
        { ...digestDraft(undefined, 'now'), mode: 'interval', amount: '25' },
        'account',
        'd',
      ),
  );
});
