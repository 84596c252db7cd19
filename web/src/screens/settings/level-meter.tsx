import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../../i18n';

/**
 * The loudness of a live microphone stream, 0 to 1, updated every animation frame: an
 * AnalyserNode's time-domain samples, their RMS, scaled so that normal speech fills most of
 * the bar. 0 while there is no stream.
 */
export function useInputLevel(stream: MediaStream | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!stream) {
      setLevel(0);
      return;
    }
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let frame = 0;
    const tick = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      setLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4));
      frame = requestAnimationFrame(tick);
    };
    tick();
    return () => {
      cancelAnimationFrame(frame);
      void context.close();
    };
  }, [stream]);
  return level;
}

/** A bar that follows the voice, so the speaker sees the microphone hears them. */
export function LevelMeter({ level }: { level: number }) {
  const { t } = useI18n();
  return (
    <meter
      class="level"
      min={0}
      max={1}
      low={0.05}
      high={0.85}
      optimum={0.5}
      value={level}
      aria-label={t('settings.level')}
    />
  );
}
