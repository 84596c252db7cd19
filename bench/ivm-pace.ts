import { performance } from 'node:perf_hooks';

/**
 * Talkers on their own 20 ms clocks, their phases spread over the first 20 ms, as real talkers
 * are: `send(talker, sequence)` is called for each of `frames` frames of each talker. A timer that
 * fires late sends what is due at once (as a client's audio clock would).
 */
export async function paceTalkers(
  talkers: number,
  frames: number,
  send: (talker: number, sequence: number) => void,
): Promise<void> {
  const start = performance.now() + 50;
  await Promise.all(
    Array.from(
      { length: talkers },
      (_, i) =>
        new Promise<void>((resolve) => {
          const offset = (i * 20) / talkers;
          let seq = 0;
          const tick = () => {
            const now = performance.now();
            while (seq < frames && start + offset + seq * 20 <= now) send(i, seq++);
            if (seq >= frames) return resolve();
            setTimeout(tick, Math.max(0, start + offset + seq * 20 - performance.now()));
          };
          setTimeout(tick, Math.max(0, start + offset - performance.now()));
        }),
    ),
  );
}
