import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MenuRunner, type MenuHooks, type MenuTable } from './menu.js';

type S = 'ask' | 'menu' | 'one' | 'record' | 'failing' | 'oops' | 'hang-up';
type E = 'check' | 'fail';

const TABLE: MenuTable<S, E> = {
  ask: { say: ['enter'], collect: true, next: 'menu' },
  menu: {
    say: ['menu'],
    keys: { '1': 'one', '2': 'record', '3': 'failing' },
    waitMs: 20,
    repeats: 2,
    next: 'hang-up',
  },
  one: { effect: 'check', next: 'menu' },
  record: { say: ['beep'], record: true, next: 'menu' },
  failing: { effect: 'fail', failed: 'oops', next: 'menu' },
  oops: { say: ['sorry'], next: 'menu' },
};

function hooks(script: (state: S, runner: () => MenuRunner<S, E>) => void) {
  const log: string[] = [];
  const holder: { runner: MenuRunner<S, E> | null } = { runner: null };
  const h: MenuHooks<S, E> = {
    sound: (name) => Promise.resolve(new Int16Array(name.length)),
    play: async (pcm, signal) => {
      await new Promise((r) => setTimeout(r, 5));
      if (signal.aborted) log.push('cut');
    },
    effect: (e) => {
      log.push(`effect ${e}`);
      return Promise.resolve(e === 'fail' ? false : undefined);
    },
    collected: (state, digits) => log.push(`collected ${state} ${digits}`),
    recording: (on) => log.push(`recording ${on}`),
    entered: (state) => {
      log.push(`enter ${state}`);
      script(state, () => holder.runner!);
    },
  };
  const runner = new MenuRunner(TABLE, h, 'ask');
  holder.runner = runner;
  return { runner, log };
}

test('digits are gathered until #, then the menu takes its keys; a silent menu ends after its repeats', async () => {
  let menus = 0;
  const { runner, log } = hooks((state, r) => {
    if (state === 'ask')
      setTimeout(() => ['4', '3', '2', '1', '#'].forEach((d) => r().digit(d)), 1);
    if (state === 'menu' && ++menus === 1) setTimeout(() => r().digit('1'), 1);
  });
  assert.deepEqual(await runner.run(), { last: 'hang-up', callerHungUp: false });
  assert.ok(log.includes('collected ask 4321'), log.join(', '));
  assert.ok(log.includes('effect check'));
});

test('keys a menu does not take are ignored; a failed effect goes to its failure state', async () => {
  let menus = 0;
  const { runner, log } = hooks((state, r) => {
    if (state === 'ask') setTimeout(() => r().digit('#'), 1);
    if (state === 'menu' && ++menus === 1)
      setTimeout(() => {
        r().digit('9');
        r().digit('3');
      }, 1);
  });
  await runner.run();
  assert.ok(log.includes('collected ask '), 'an empty entry is an entry');
  assert.ok(log.includes('enter oops'), log.join(', '));
  assert.ok(!log.includes('enter 9'));
});

test('a recording state records until # and the caller hanging up ends the run', async () => {
  let menus = 0;
  const { runner, log } = hooks((state, r) => {
    if (state === 'ask') setTimeout(() => r().digit('#'), 1);
    if (state === 'menu' && ++menus === 1) setTimeout(() => r().digit('2'), 1);
    if (state === 'record') setTimeout(() => r().digit('#'), 30);
    if (state === 'menu' && menus === 2) setTimeout(() => r().hangUp(), 1);
  });
  assert.deepEqual(await runner.run(), { last: 'menu', callerHungUp: true });
  assert.deepEqual(
    log.filter((l) => l.startsWith('recording')),
    ['recording true', 'recording false'],
  );
});
