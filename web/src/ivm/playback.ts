/**
 * Opus packets back to sound: live streams through `AudioDecoder` into the page's AudioContext
 * with a small jitter buffer, and whole recordings decoded for review before sending.
 */

const FRAME_US = 20_000;
/** How far behind real time live audio plays: room for uneven arrival, still "at once". */
const JITTER_S = 0.12;
const DECODER = { codec: 'opus', sampleRate: 48_000, numberOfChannels: 1 };

let shared: AudioContext | null = null;

/** One AudioContext for the page; resumed on the user's next gesture if autoplay held it. */
export function audioContext(): AudioContext {
  if (!shared) {
    shared = new AudioContext({ sampleRate: 48_000 });
    const resume = () => void shared?.resume();
    addEventListener('pointerdown', resume);
    addEventListener('keydown', resume);
  }
  if (shared.state === 'suspended') void shared.resume().catch(() => undefined);
  return shared;
}

export function playbackSupported(): boolean {
  return typeof AudioDecoder === 'function';
}

function samplesOf(data: AudioData): Float32Array<ArrayBuffer> {
  const samples = new Float32Array(data.numberOfFrames);
  data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
  return samples;
}

/**
 * One incoming live stream. Packets are placed by sequence number on the context's clock, so a
 * late packet does not shift the rest; one arriving after its slot restarts the buffer from now.
 */
export class LivePlayer {
  private readonly decoder: AudioDecoder;
  private base: number | null = null;
  private readonly context = audioContext();

  /** `onPlayed` hears of each packet decoded and put on the clock. */
  constructor(private readonly onPlayed: () => void = () => undefined) {
    this.decoder = new AudioDecoder({
      output: (data) => this.schedule(data),
      error: () => undefined,
    });
    this.decoder.configure(DECODER);
  }

  push(sequence: number, packet: Uint8Array): void {
    if (this.decoder.state !== 'configured') return;
    this.decoder.decode(
      new EncodedAudioChunk({ type: 'key', timestamp: sequence * FRAME_US, data: packet }),
    );
  }

  end(): void {
    if (this.decoder.state !== 'configured') return;
    void this.decoder
      .flush()
      .catch(() => undefined)
      .finally(() => this.decoder.state !== 'closed' && this.decoder.close());
  }

  private schedule(data: AudioData): void {
    const at = data.timestamp / 1e6;
    const now = this.context.currentTime;
    if (this.base === null || this.base + at < now + 0.01) this.base = now + JITTER_S - at;
    const buffer = this.context.createBuffer(1, data.numberOfFrames, data.sampleRate);
    buffer.copyToChannel(samplesOf(data), 0);
    data.close();
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    source.start(this.base + at);
    this.onPlayed();
  }
}

/** A whole recording (our own packets) as one AudioBuffer, for review before sending. */
export async function decodeRecording(packets: Uint8Array[]): Promise<AudioBuffer> {
  const parts: Array<Float32Array<ArrayBuffer>> = [];
  let rate = 48_000;
  const decoder = new AudioDecoder({
    output: (data) => {
      rate = data.sampleRate;
      parts.push(samplesOf(data));
      data.close();
    },
    error: () => undefined,
  });
  decoder.configure(DECODER);
  packets.forEach((packet, i) =>
    decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: i * FRAME_US, data: packet })),
  );
  await decoder.flush();
  decoder.close();
  const length = parts.reduce((n, p) => n + p.length, 0);
  const buffer = audioContext().createBuffer(1, Math.max(1, length), rate);
  let offset = 0;
  for (const p of parts) {
    buffer.copyToChannel(p, 0, offset);
    offset += p.length;
  }
  return buffer;
}

/** A short two-tone chime for a new message (no file to load, nothing from elsewhere). */
export function chime(): void {
  const context = audioContext();
  const gain = context.createGain();
  gain.connect(context.destination);
  const t = context.currentTime;
  gain.gain.setValueAtTime(0.0001, t);
  gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.35);
  [880, 1320].forEach((frequency, i) => {
    const tone = context.createOscillator();
    tone.frequency.value = frequency;
    tone.connect(gain);
    tone.start(t + i * 0.12);
    tone.stop(t + 0.35);
  });
}
