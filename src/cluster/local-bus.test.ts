import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BusEvent } from '../core/ports.js';
import { LocalBus } from './local-bus.js';

test('an event reaches every handler of its topic and no other topic', () => {
  const bus = new LocalBus();
  const seen: string[] = [];
  bus.subscribe('a', (e) => seen.push(`a1:${e.type}`));
  bus.subscribe('a', (e) => seen.push(`a2:${e.type}`));
  bus.subscribe('b', (e) => seen.push(`b:${e.type}`));
  bus.publish('a', { type: 'x' });
  bus.publish('c', { type: 'y' });
  assert.deepEqual(seen, ['a1:x', 'a2:x']);
});

test('a failing handler is reported and the others still get the event, alone or not', () => {
  const errors: string[] = [];
  const bus = new LocalBus((topic) => errors.push(topic));
  const seen: BusEvent[] = [];
  bus.subscribe('alone', () => {
    throw new Error('broken');
  });
  bus.subscribe('two', () => {
    throw new Error('broken');
  });
  bus.subscribe('two', (e) => seen.push(e));
  assert.doesNotThrow(() => bus.publish('alone', { type: 'x' }));
  bus.publish('two', { type: 'y' });
  assert.deepEqual(errors, ['alone', 'two']);
  assert.deepEqual(seen, [{ type: 'y' }]);
});

test('handlers added or removed during a publish take effect from the next one', () => {
  const bus = new LocalBus();
  const seen: string[] = [];
  const late = () => seen.push('late');
  // One handler (the fast path) that adds another.
  const off = bus.subscribe('t', () => {
    seen.push('first');
    bus.subscribe('t', late);
  });
  bus.publish('t', { type: 'x' });
  assert.deepEqual(seen, ['first']);
  off();
  // Two handlers, the first removing the second: the copy still calls it this once.
  const offLate = () => bus.subscribe('u', () => seen.push('second'));
  let remove = (): void => {};
  bus.subscribe('u', () => {
    seen.push('one');
    remove();
  });
  remove = offLate();
  bus.publish('u', { type: 'x' });
  bus.publish('u', { type: 'x' });
  assert.deepEqual(seen, ['first', 'one', 'second', 'one']);
  assert.equal(bus.subscriptions, 2);
});
