import { useEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n';

export interface Recording {
  blob: Blob;
  type: string;
  durationMs: number;
}

/** The container and codec the browser records in; Opus in WebM where it can (Chromium, Firefox). */
function recorderType(): string {
  for (const t of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm'])
    if (MediaRecorder.isTypeSupported(t)) return t;
  return '';
}

/**
 * Records from the microphone with a live level meter, then offers the take for review: play
 * it, record again, or discard it. `onChange` gets the take (or null when discarded).
 */
export function Recorder(props: { onChange(recording: Recording | null): void }) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'recording' | 'review'>('idle');
  const [level, setLevel] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [take, setTake] = useState<{ url: string; durationMs: number } | null>(null);
  const stop = useRef<() => void>(() => undefined);

  useEffect(() => () => stop.current(), []);

  const start = async () => {
    setError(null);
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      setError(t('recorder.noMicrophone'));
      return;
    }
    const type = recorderType();
    const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const chunks: Blob[] = [];
    const audio = new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 1024;
    audio.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let frame = 0;
    const meter = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      // RMS on a rough dB scale, so speech fills the meter and silence leaves it empty.
      const db = 20 * Math.log10(Math.sqrt(sum / samples.length) || 1e-6);
      setLevel(Math.max(0, Math.min(1, (db + 60) / 60)));
      frame = requestAnimationFrame(meter);
    };
    meter();
    const began = performance.now();
    recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
    recorder.onstop = () => {
      cancelAnimationFrame(frame);
      void audio.close();
      stream.getTracks().forEach((track) => track.stop());
      const blob = new Blob(chunks, { type: recorder.mimeType || type || 'audio/webm' });
      const durationMs = Math.round(performance.now() - began);
      setTake({ url: URL.createObjectURL(blob), durationMs });
      setLevel(0);
      setState('review');
      props.onChange({ blob, type: blob.type.split(';')[0]!, durationMs });
    };
    stop.current = () => recorder.state !== 'inactive' && recorder.stop();
    recorder.start(250);
    setState('recording');
  };

  const discard = () => {
    if (take) URL.revokeObjectURL(take.url);
    setTake(null);
    setState('idle');
    props.onChange(null);
  };

  return (
    <div class="recorder">
      {state === 'idle' && (
        <button type="button" onClick={start}>
          ● {t('recorder.record')}
        </button>
      )}
      {state === 'recording' && (
        <>
          <button type="button" onClick={() => stop.current()}>
            ■ {t('recorder.stop')}
          </button>
          <meter class="level" min={0} max={1} value={level} aria-label={t('recorder.level')} />
        </>
      )}
      {state === 'review' && take && (
        <>
          <audio controls src={take.url} class="review" />
          <button
            type="button"
            onClick={() => {
              discard();
              void start();
            }}
          >
            {t('recorder.again')}
          </button>
          <button type="button" onClick={discard}>
            {t('recorder.discard')}
          </button>
        </>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
