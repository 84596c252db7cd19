import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deposit, type DepositHooks } from './deposit.js';
import type { DepositState, Effect, Sound } from './deposit-flow.js';

/**
 * The deposit flow driven by a script of events: each sound "plays" for a few ms, and the
 * test presses keys when a given state is entered or a given sound starts.
 */
function harness(
  options: { exits?: boolean; storeOk?: boolean; maxMs?: number; nothing?: boolean } = {},
) {
  const log: string[] = [];
  const onSound = new Map<Sound, () => void>();
  const onState = new Map<DepositState, () => void>();
  const hooks: DepositHooks = {
    sound: (sound: Sound) => Promise.resolve(new Int16Array(sound === 'recording' ? 1 : 2)),
    play: async (pcm, signal) => {
      const sound = current;
      log.push(`play ${sound}`);
      onSound.get(sound)?.();
      onSound.delete(sound);
      await new Promise((r) => setTimeout(r, 5));
      if (signal.aborted) log.push(`cut ${sound}`);
    },
    effect: (effect: Effect) => {
      log.push(`effect ${effect}`);
      return Promise.resolve(effect === 'store' ? (options.storeOk ?? true) : true);
    },
    recording: (on) => log.push(on ? 'record on' : 'record off'),
    recordedNothing: () => options.nothing ?? false,
    available: (state) => options.exits === true || !state.startsWith('exit-'),
    entered: (state) => {
      log.push(`enter ${state}`);
      const then = onState.get(state);
      onState.delete(state);
      then?.();
    },
  };
  let current: Sound = 'greeting';
  const wrapped: DepositHooks = {
    ...hooks,
    sound: (s) => {
      current = s;
      return hooks.sound(s);
    },
  };
  return { hooks: wrapped, log, onSound, onState, maxMs: options.maxMs ?? 60_000 };
}

test('greeting, beep, recording until #, then 1 sends the message and the system hangs up', async () => {
  const h = harness();
  const deposit = new Deposit(h.hooks, 'greeting', h.maxMs);
  h.onState.set('recording', () => setTimeout(() => deposit.digit('#'), 10));
  h.onState.set('review', () => setTimeout(() => deposit.digit('1'), 1));
  const outcome = await deposit.run();
  assert.deepEqual(outcome, { last: 'hang-up', callerHungUp: false, keep: false });
  assert.deepEqual(
    h.log.filter((l) => l.startsWith('enter')),
    ['enter greeting', 'enter beep', 'enter recording', 'enter review', 'enter save'],
  );
  assert.ok(h.log.includes('effect store'));
  assert.ok(h.log.includes('play saved') && h.log.includes('play goodbye'));
});

test('a key during the greeting skips it; * and 0 do the same when no exit is configured', async () => {
  const h = harness();
  const deposit = new Deposit(h.hooks, 'greeting', h.maxMs);
  h.onSound.set('greeting', () => deposit.digit('0'));
  h.onState.set('recording', () => setTimeout(() => deposit.hangUp(), 5));
  const outcome = await deposit.run();
  assert.ok(h.log.includes('cut greeting'), h.log.join(', '));
  assert.deepEqual(outcome, { last: 'recording', callerHungUp: true, keep: true });
});

test('0 during the greeting leaves to the configured exit', async () => {
  const h = harness({ exits: true });
  const deposit = new Deposit(h.hooks, 'greeting', h.maxMs);
  h.onSound.set('greeting', () => deposit.digit('0'));
  const outcome = await deposit.run();
  assert.ok(h.log.includes('effect transfer-zero'), h.log.join(', '));
  assert.equal(outcome.last, 'hang-up');
  assert.ok(!h.log.includes('enter beep'));
});

test('2 plays the recording back, 3 records again, 4 marks urgent; all return to the menu', async () => {
  const h = harness();
  const deposit = new Deposit(h.hooks, 'greeting', h.maxMs);
  const keys = ['2', '4', '3', '1'];
  let recordings = 0;
  const onReview = () => {
    h.onState.set('review', onReview);
    setTimeout(() => deposit.digit(keys.shift() ?? '1'), 1);
  };
  const onRecording = () => {
    recordings++;
    h.onState.set('recording', onRecording);
    setTimeout(() => deposit.digit('#'), 5);
  };
  h.onState.set('review', onReview);
  h.onState.set('recording', onRecording);
  await deposit.run();
  const entered = h.log.filter((l) => l.startsWith('enter')).map((l) => l.slice(6));
  assert.deepEqual(entered.slice(3), [
    'review',
    'listen',
    'review',
    'urgent',
    'review',
    'rerecord',
    'beep',
    'recording',
    'review',
    'save',
  ]);
  assert.ok(h.log.includes('play recording'));
  assert.ok(h.log.includes('effect mark-urgent'));
  assert.ok(h.log.includes('effect discard-recording'));
  assert.equal(recordings, 2);
});

test('silence or the length limit ends the recording like # does', async () => {
  const h = harness({ maxMs: 20 });
  const deposit = new Deposit(h.hooks, 'greeting', h.maxMs);
  h.onState.set('review', () => setTimeout(() => deposit.hangUp(), 1));
  const outcome = await deposit.run();
  assert.deepEqual(outcome, { last: 'review', callerHungUp: true, keep: true });
  const silence = harness();
  const second = new Deposit(silence.hooks, 'greeting', silence.maxMs);
  silence.onState.set('recording', () => setTimeout(() => second.endRecording(), 5));
  silence.onState.set('review', () => setTimeout(() => second.hangUp(), 1));
  assert.equal((await second.run()).last, 'review');
});

test('a recording of silence alone is not offered for review: the caller is told and the call ends', async () => {
  const h = harness({ nothing: true });
  const deposit = new Deposit(h.hooks, 'greeting', h.maxMs);
  h.onState.set('recording', () => setTimeout(() => deposit.endRecording(), 5));
  const outcome = await deposit.run();
  assert.deepEqual(outcome, { last: 'hang-up', callerHungUp: false, keep: false });
  assert.ok(!h.log.includes('enter review'), h.log.join(', '));
  assert.ok(h.log.includes('effect discard-recording'));
  assert.deepEqual(h.log.filter((l) => l.startsWith('play')).slice(-2), [
    'play nothing-heard',
    'play goodbye',
  ]);
});

test('a full mailbox says so and hangs up without recording', async () => {
  const h = harness();
  const outcome = await new Deposit(h.hooks, 'mailbox-full', h.maxMs).run();
  assert.equal(outcome.last, 'hang-up');
  assert.ok(!h.log.includes('record on'));
  assert.deepEqual(
    h.log.filter((l) => l.startsWith('play')),
    ['play mailbox-full', 'play goodbye'],
  );
});

test('hanging up during the greeting keeps nothing; a failed save says so', async () => {
  const h = harness();
  const deposit = new Deposit(h.hooks, 'greeting', h.maxMs);
  h.onSound.set('greeting', () => deposit.hangUp());
  assert.deepEqual(await deposit.run(), { last: 'greeting', callerHungUp: true, keep: false });
  const f = harness({ storeOk: false });
  const failing = new Deposit(f.hooks, 'greeting', f.maxMs);
  f.onState.set('recording', () => setTimeout(() => failing.digit('#'), 5));
  f.onState.set('review', () => setTimeout(() => failing.digit('1'), 1));
  await failing.run();
  assert.ok(f.log.includes('enter not-saved'), f.log.join(', '));
});

test('keys a state does not take are ignored', async () => {
  const h = harness();
  const deposit = new Deposit(h.hooks, 'greeting', h.maxMs);
  h.onState.set('recording', () => {
    setTimeout(() => deposit.digit('5'), 2);
    setTimeout(() => deposit.digit('#'), 15);
  });
  h.onState.set('review', () => setTimeout(() => deposit.digit('9'), 1));
  h.onState.set('save', () => undefined);
  const outcome = await Promise.race([
    deposit.run(),
    new Promise<null>((r) => setTimeout(() => r(null), 400)),
  ]);
  // 9 is not a review key: the menu waits (5 s) instead of moving on.
  assert.equal(outcome, null);
  assert.equal(deposit.current, 'review');
  deposit.hangUp();
});
