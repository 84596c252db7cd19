/**
 * The microphone as 20 ms Opus packets: getUserMedia → WebCodecs `AudioEncoder` (48 kHz mono).
 * MediaRecorder is no use here: its chunks cannot be decoded from the middle of a stream.
 */

/** Chromium's track processor (not in TypeScript's DOM library yet); absent elsewhere. */
declare const MediaStreamTrackProcessor:
  undefined | (new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<AudioData> });

export type MicrophoneProblem = 'blocked' | 'missing' | 'unsupported';

export class MicrophoneError extends Error {
  constructor(readonly problem: MicrophoneProblem) {
    super(problem);
  }
}

export interface Capture {
  /** Stops the microphone and resolves once the encoder has handed over its last packets. */
  stop(): Promise<void>;
}

const OPUS = {
  codec: 'opus',
  numberOfChannels: 1,
  bitrate: 32_000,
  opus: { frameDuration: 20_000 },
};

export function captureSupported(): boolean {
  return typeof AudioEncoder === 'function' && !!navigator.mediaDevices?.getUserMedia;
}

/** Channel one of any AudioData, as mono float: the messenger speaks mono. */
function mono(data: AudioData): AudioData {
  const samples = new Float32Array(data.numberOfFrames);
  data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
  const out = new AudioData({
    format: 'f32-planar',
    sampleRate: data.sampleRate,
    numberOfFrames: data.numberOfFrames,
    numberOfChannels: 1,
    timestamp: data.timestamp,
    data: samples,
  });
  data.close();
  return out;
}

function level(data: AudioData): number {
  const samples = new Float32Array(data.numberOfFrames);
  data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
  let sum = 0;
  for (const s of samples) sum += s * s;
  const db = 20 * Math.log10(Math.sqrt(sum / Math.max(1, samples.length)) || 1e-6);
  return Math.max(0, Math.min(1, (db + 60) / 60));
}

export async function startCapture(
  onPacket: (packet: Uint8Array) => void,
  onLevel: (level: number) => void = () => undefined,
): Promise<Capture> {
  if (!captureSupported()) throw new MicrophoneError('unsupported');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
    });
  } catch (err) {
    const name = (err as DOMException).name;
    throw new MicrophoneError(
      name === 'NotFoundError' || name === 'OverconstrainedError' ? 'missing' : 'blocked',
    );
  }
  const track = stream.getAudioTracks()[0]!;
  let encoder: AudioEncoder | null = null;
  let rate = 0;
  const encode = (data: AudioData) => {
    onLevel(level(data));
    // Opus carries 48 kHz whatever goes in; the encoder takes the rate the device delivers.
    if (!encoder || rate !== data.sampleRate) {
      if (encoder && encoder.state === 'configured') void encoder.flush();
      rate = data.sampleRate;
      encoder = new AudioEncoder({
        output: (chunk) => {
          const packet = new Uint8Array(chunk.byteLength);
          chunk.copyTo(packet);
          onPacket(packet);
        },
        error: () => undefined,
      });
      encoder.configure({ ...OPUS, sampleRate: rate });
    }
    encoder.encode(mono(data));
  };

  let stopSource: () => Promise<void>;
  if (typeof MediaStreamTrackProcessor === 'function') {
    const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || !value) return;
        encode(value);
      }
    })().catch(() => undefined);
    stopSource = async () => {
      await reader.cancel().catch(() => undefined);
      await pump;
    };
  } else {
    // Browsers without track processors: a ScriptProcessor hands over plain samples.
    const context = new AudioContext();
    const source = context.createMediaStreamSource(stream);
    const node = context.createScriptProcessor(4096, 1, 1);
    let frames = 0;
    node.onaudioprocess = (e) => {
      const samples = new Float32Array(e.inputBuffer.getChannelData(0));
      encode(
        new AudioData({
          format: 'f32-planar',
          sampleRate: context.sampleRate,
          numberOfFrames: samples.length,
          numberOfChannels: 1,
          timestamp: Math.round((frames / context.sampleRate) * 1e6),
          data: samples,
        }),
      );
      frames += samples.length;
    };
    source.connect(node);
    node.connect(context.destination);
    stopSource = async () => {
      node.disconnect();
      source.disconnect();
      await context.close();
    };
  }

  return {
    async stop() {
      await stopSource();
      track.stop();
      onLevel(0);
      const last = encoder as AudioEncoder | null;
      if (last && last.state === 'configured') {
        await last.flush().catch(() => undefined);
        last.close();
      }
    },
  };
}
