import { useEffect, useRef, useState } from 'preact/hooks';

/** Opus is what the server's conversion graph reads best; WebM in Chromium, Ogg in Firefox. */
const PREFERRED_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm'];

export type RecorderState =
  | { phase: 'idle' }
  | { phase: 'recording'; stream: MediaStream; elapsedMs: number }
  | { phase: 'review'; audio: Blob; url: string }
  | { phase: 'failed'; reason: string };

/**
 * One recording from the microphone with MediaRecorder: start, stop (by hand or at the length
 * limit), then the result to review. The microphone is released as soon as recording stops,
 * and the review's object URL when it is no longer shown.
 */
export function useRecorder(maxSeconds: number) {
  const [state, setState] = useState<RecorderState>({ phase: 'idle' });
  const recorder = useRef<MediaRecorder | null>(null);

  /** Abandons a recording in progress: nothing is kept, the microphone goes off. */
  const release = () => {
    const r = recorder.current;
    recorder.current = null;
    if (!r) return;
    r.onstop = null;
    if (r.state !== 'inactive') r.stop();
    r.stream.getTracks().forEach((track) => track.stop());
  };

  const start = async () => {
    if (typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) {
      setState({ phase: 'failed', reason: 'unsupported' });
      return;
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      setState({ phase: 'failed', reason: (err as Error).message || (err as Error).name });
      return;
    }
    const mimeType = PREFERRED_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    const r = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    const chunks: Blob[] = [];
    const began = Date.now();
    r.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
    };
    r.onstop = () => {
      stream.getTracks().forEach((track) => track.stop());
      const audio = new Blob(chunks, { type: r.mimeType || mimeType || 'audio/webm' });
      setState({ phase: 'review', audio, url: URL.createObjectURL(audio) });
    };
    recorder.current = r;
    r.start(250);
    setState({ phase: 'recording', stream, elapsedMs: 0 });
    const timer = setInterval(() => {
      if (recorder.current !== r) return clearInterval(timer);
      const elapsedMs = Date.now() - began;
      // Stopped at the limit, so what was said is kept rather than refused by the server.
      if (elapsedMs >= maxSeconds * 1000) {
        clearInterval(timer);
        r.stop();
        recorder.current = null;
        return;
      }
      setState((s) => (s.phase === 'recording' ? { ...s, elapsedMs } : s));
    }, 200);
  };

  const stop = () => {
    const r = recorder.current;
    recorder.current = null;
    if (r && r.state !== 'inactive') r.stop();
  };

  const reset = () => {
    release();
    setState({ phase: 'idle' });
  };

  useEffect(() => {
    if (state.phase !== 'review') return;
    return () => URL.revokeObjectURL(state.url);
  }, [state]);
  // Leaving the screen mid-recording turns the microphone off.
  useEffect(() => release, []);

  return { state, start, stop, reset };
}
