import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromGrid, toGrid } from '../../web/src/screens/settings/notification-rules.js';

test('rules become one editor row per type and back, keeping what the editor has no column for', () => {
  const grid = toGrid([
    { messageType: 'voice', channels: ['smtp'] },
    { messageType: 'voice', channels: ['sms'], urgentOnly: true },
    { messageType: 'fax', channels: ['webhook'], urgentOnly: true },
    { messageType: 'video', channels: ['pager'] },
  ]);
  assert.deepEqual(grid.voice, { channels: ['email', 'sms'], urgentOnly: false });
  assert.deepEqual(grid.fax, { channels: ['webhook'], urgentOnly: true });
  assert.deepEqual(grid['*'], { channels: [], urgentOnly: false });
  assert.deepEqual(fromGrid(grid), [
    { messageType: 'voice', channels: ['email', 'sms'] },
    { messageType: 'fax', channels: ['webhook'], urgentOnly: true },
    { messageType: 'video', channels: ['pager'] },
  ]);
  assert.deepEqual(fromGrid(toGrid()), [], 'no channels, no rules');
});
