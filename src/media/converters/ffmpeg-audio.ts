import type { Converter } from '../converter.js';
import { FFMPEG_QUIET, runTool } from '../run-tool.js';

/** How ffmpeg reads (raw formats need telling) and writes each audio format. */
const AUDIO: Record<string, { input: string[]; output: string[] }> = {
  'audio/wav': { input: [], output: ['-c:a', 'pcm_s16le', '-f', 'wav'] },
  'audio/wav;rate=16000': {
    input: [],
    output: ['-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le', '-f', 'wav'],
  },
  'audio/wav;rate=8000': {
    input: [],
    output: ['-ar', '8000', '-ac', '1', '-c:a', 'pcm_s16le', '-f', 'wav'],
  },
  'audio/wav;codec=pcmu': {
    input: [],
    output: ['-ar', '8000', '-ac', '1', '-c:a', 'pcm_mulaw', '-f', 'wav'],
  },
  'audio/wav;codec=pcma': {
    input: [],
    output: ['-ar', '8000', '-ac', '1', '-c:a', 'pcm_alaw', '-f', 'wav'],
  },
  'audio/gsm': {
    input: ['-f', 'gsm', '-ar', '8000'],
    output: ['-ar', '8000', '-ac', '1', '-c:a', 'libgsm', '-f', 'gsm'],
  },
  // RFC 3802: G.726 for MIME packs code words little-endian, which is ffmpeg's g726le.
  'audio/32kadpcm': {
    input: ['-f', 'g726le', '-code_size', '4', '-ar', '8000'],
    output: ['-ar', '8000', '-ac', '1', '-c:a', 'g726le', '-b:a', '32k', '-f', 'g726le'],
  },
  'audio/ogg;codecs=opus': {
    input: [],
    output: ['-c:a', 'libopus', '-b:a', '32k', '-application', 'voip', '-f', 'ogg'],
  },
  'audio/webm;codecs=opus': {
    input: [],
    output: ['-c:a', 'libopus', '-b:a', '32k', '-application', 'voip', '-f', 'webm'],
  },
  'audio/mpeg': { input: [], output: ['-c:a', 'libmp3lame', '-q:a', '6', '-f', 'mp3'] },
};

/** Lossy encoders cost a little more, so a chain never goes through one it does not need. */
const COST: Record<string, number> = {
  'audio/ogg;codecs=opus': 3,
  'audio/webm;codecs=opus': 3,
  'audio/mpeg': 3,
  'audio/gsm': 2,
  'audio/32kadpcm': 2,
};

export const AUDIO_FORMATS = Object.keys(AUDIO);

function ffmpegConverter(from: string, to: string): Converter {
  return {
    id: `ffmpeg:${to}`,
    from,
    to,
    cost: COST[to] ?? 1,
    async convert(input, output, { limits, signal }) {
      await runTool(
        'ffmpeg',
        [
          ...FFMPEG_QUIET,
          ...AUDIO[from]!.input,
          '-i',
          input,
          // Longer input is not truncated silently: one second over the limit is caught below.
          '-t',
          String(limits.maxAudioSeconds + 1),
          '-vn',
          ...AUDIO[to]!.output,
          output,
        ],
        { timeoutMs: limits.timeoutMs, signal },
      );
    },
  };
}

/** ffmpeg decodes every audio format we know and encodes every one: an edge for each pair. */
export function ffmpegAudioConverters(): Converter[] {
  const out: Converter[] = [];
  for (const from of AUDIO_FORMATS)
    for (const to of AUDIO_FORMATS) if (from !== to) out.push(ffmpegConverter(from, to));
  return out;
}

/**
 * Seed 002's voice treatment: noise reduction (FFT denoiser), then EBU R128 loudness
 * normalisation to -16 LUFS, the usual target for speech.
 */
export async function enhanceVoice(
  input: string,
  output: string,
  timeoutMs: number,
): Promise<void> {
  await runTool(
    'ffmpeg',
    [
      ...FFMPEG_QUIET,
      '-i',
      input,
      '-af',
      'afftdn=nf=-25,loudnorm=I=-16:TP=-1.5:LRA=11',
      '-ar',
      '48000',
      '-c:a',
      'pcm_s16le',
      output,
    ],
    { timeoutMs },
  );
}

/** Duration in seconds, read by ffprobe; for limits and for a message's duration. */
export async function probeSeconds(
  file: string,
  inputArgs: string[],
  timeoutMs: number,
): Promise<number> {
  const { stdout } = await runTool(
    'ffprobe',
    [
      '-v',
      'error',
      ...inputArgs,
      '-show_entries',
      'format=duration',
      '-of',
      'default=nw=1:nk=1',
      file,
    ],
    { timeoutMs },
  );
  const seconds = Number(stdout.toString().trim());
  return Number.isFinite(seconds) ? seconds : 0;
}

export function ffmpegOutputArgs(format: string): string[] {
  return AUDIO[format]?.output ?? [];
}

export function ffmpegInputArgs(format: string): string[] {
  return AUDIO[format]?.input ?? [];
}
