import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * Peaks (0–1) as bars on a canvas, the played part in the accent colour. The voice player and
 * the messenger's list draw recordings the same way; the caller adds the slider semantics.
 */
export function Waveform(
  props: { peaks: number[]; played: number } & Omit<JSX.IntrinsicElements['canvas'], 'ref'>,
) {
  const { peaks, played, ...rest } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const { width, height } = c;
    ctx.clearRect(0, 0, width, height);
    const bar = width / Math.max(1, peaks.length);
    peaks.forEach((p, i) => {
      const h = Math.max(2, p * height);
      ctx.fillStyle = i / peaks.length < played ? '#1d4ed8' : '#94a3b8';
      ctx.fillRect(i * bar, (height - h) / 2, Math.max(1, bar - 1), h);
    });
  }, [peaks, played]);
  return <canvas ref={canvas} data-peaks={peaks.length} {...rest} />;
}
