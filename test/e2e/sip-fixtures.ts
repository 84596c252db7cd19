import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeToPcm } from './audio-fixtures.js';
import type { ServerProcess } from './harness.js';
import { eventually } from './receiver.js';

/**
 * Following a call through the server's log: the lines naming it, the states its flow entered
 * ("voicemail call state" for leaving a message, "mailbox call state" for calling in), and
 * waiting for one.
 */
export class CallLog {
  constructor(private readonly server: ServerProcess) {}

  lines(call: string): string[] {
    return this.server.output.split('\n').filter((l) => l.includes(`"call":"${call}"`));
  }

  states(call: string, kind: 'mailbox' | 'voicemail' = 'mailbox'): string[] {
    return this.lines(call)
      .filter((l) => l.includes(`"msg":"${kind} call state"`))
      .map((l) => JSON.parse(l).state as string);
  }

  /** Waits until the call has entered `state` `times` times. */
  reached(
    call: string,
    state: string,
    { times = 1, timeoutMs = 30_000, kind = 'mailbox' as 'mailbox' | 'voicemail' } = {},
  ): Promise<true> {
    return eventually(
      async () => this.states(call, kind).filter((s) => s === state).length >= times || undefined,
      `${call} in ${state} (${times})`,
      timeoutMs,
    );
  }

  /** The first log line of the call matching `pattern`, parsed, once it is there. */
  line(call: string, pattern: RegExp, timeoutMs = 20_000): Promise<any> {
    return eventually(
      async () => {
        const line = this.lines(call).find((l) => pattern.test(l));
        return line ? JSON.parse(line) : undefined;
      },
      `${pattern} for call ${call}`,
      timeoutMs,
    );
  }
}

/** Speech from espeak-ng as an 8 kHz mono 16-bit WAV file in `dir`; gives its path. */
export function spokenWav(dir: string, name: string, text: string): string {
  const raw = join(dir, `${name}-raw.wav`);
  const out = join(dir, `${name}.wav`);
  execFileSync('espeak-ng', ['-w', raw, text]);
  execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', out]);
  return out;
}

/**
 * What a caller says after the greeting and the beep: espeak-ng speech (`speech`, its samples)
 * with `before` s of silence in front and `after` s behind (`file`, the WAV to play).
 */
export function callerMessage(
  dir: string,
  name: string,
  text: string,
  before: number,
  after = 0,
): { file: string; speech: Int16Array } {
  const spoken = spokenWav(dir, name, text);
  const file = join(dir, `${name}-padded.wav`);
  execFileSync('sox', [spoken, file, 'pad', String(before), String(after)]);
  return { file, speech: decodeToPcm(readFileSync(spoken)) };
}
