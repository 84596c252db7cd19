import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The test's own Ogg reader (independent of the server's writer): the packets of every page,
 * joined across lacing values of 255. Enough for Opus in Ogg; no CRC check here.
 */
export function oggPackets(data: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let partial: Buffer[] = [];
  let at = 0;
  while (at + 27 <= data.length && data.toString('latin1', at, at + 4) === 'OggS') {
    const count = data[at + 26]!;
    let body = at + 27 + count;
    for (let i = 0; i < count; i++) {
      const n = data[at + 27 + i]!;
      partial.push(data.subarray(body, body + n));
      body += n;
      if (n < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    at = body;
  }
  return packets;
}

/** Speech by espeak-ng, encoded by ffmpeg as 20 ms Opus packets (48 kHz mono), header packets dropped. */
export function speechPackets(dir: string, text: string, name = 'speech'): Buffer[] {
  const wav = join(dir, `${name}.wav`);
  const ogg = join(dir, `${name}.ogg`);
  execFileSync('espeak-ng', ['-w', wav, text]);
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-i',
    wav,
    '-ac',
    '1',
    '-ar',
    '48000',
    '-c:a',
    'libopus',
    '-b:a',
    '24k',
    '-frame_duration',
    '20',
    '-application',
    'voip',
    ogg,
  ]);
  return oggPackets(readFileSync(ogg)).slice(2);
}

/** 20 ms Opus packets (mono, 48 kHz) of an ffmpeg lavfi source at a bit rate. */
export function lavfiPackets(dir: string, source: string, bitRate: string): Buffer[] {
  const ogg = join(dir, 'lavfi.ogg');
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    source,
    '-ac',
    '1',
    '-ar',
    '48000',
    '-c:a',
    'libopus',
    '-b:a',
    bitRate,
    '-frame_duration',
    '20',
    ogg,
  ]);
  return oggPackets(readFileSync(ogg)).slice(2);
}

/** Loud noise as 20 ms Opus packets at the highest mono bit rate (640 bytes) (a slow listener fills up fast). */
export function noisePackets(dir: string, seconds: number): Buffer[] {
  return lavfiPackets(dir, `anoisesrc=d=${seconds}:a=0.5`, '256k');
}

/** Duration (seconds) and codec of an audio file, by ffprobe. */
export function probeAudio(file: string): { codec: string; seconds: number } {
  const out = execFileSync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_name:format=duration,format_name',
    '-of',
    'default=nw=1',
    file,
  ]).toString();
  return {
    codec: /codec_name=(\S+)/.exec(out)?.[1] ?? '',
    seconds: Number(/duration=([\d.]+)/.exec(out)?.[1] ?? 'NaN'),
  };
}
