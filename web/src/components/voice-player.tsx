import { useEffect, useRef, useState } from 'preact/hooks';
import { clock, partUrl, playablePart, type Message, type Part } from '../api';
import { useI18n } from '../i18n';
import { Waveform } from './waveform';

const SPEEDS = [0.75, 1, 1.25, 1.5, 2];
/** Browsers play Opus everywhere; G.711 WAV (telephony) they do not, so ask for a rendition. */
const PLAYABLE = 'audio/ogg;codecs=opus';

/**
 * A recording with its waveform (peaks computed once on the server), seeking by click or arrow
 * keys, playback speed, the transcript beside it, and download of the original.
 */
export function VoicePlayer(props: { message: Message; part: Part; onChanged(): void }) {
  const { message, part } = props;
  const { t } = useI18n();
  const audio = useRef<HTMLAudioElement>(null);
  const [peaks, setPeaks] = useState<number[]>([]);
  const [position, setPosition] = useState(0);
  const [duration, setDuration] = useState((message.durationMs ?? 0) / 1000);
  const [speed, setSpeed] = useState(1);
  const [transcript, setTranscript] = useState<string | null>(null);
  const [transcribing, setTranscribing] = useState(false);

  // What is heard and drawn: the treated rendition when there is one; the transcript and the
  // download stay with the recording as stored.
  const heard = playablePart(message, part);
  const made = message.parts.find(
    (p) => p.derivedFrom === part.index && p.contentType.startsWith('text/plain'),
  );
  useEffect(() => {
    fetch(partUrl(message.id, heard.index, { format: 'peaks' }))
      .then((r) => (r.ok ? r.json() : null))
      .then((w: { peaks: number[]; durationMs: number | null } | null) => {
        if (!w) return;
        setPeaks(w.peaks);
        if (w.durationMs) setDuration(w.durationMs / 1000);
      })
      .catch(() => undefined);
    if (made)
      fetch(partUrl(message.id, made.index))
        .then((r) => r.text())
        .then(setTranscript)
        .catch(() => undefined);
  }, [message.id, heard.index, made?.index]);

  const seek = (seconds: number) => {
    const a = audio.current;
    if (!a) return;
    a.currentTime = Math.max(0, Math.min(duration || a.duration || 0, seconds));
    setPosition(a.currentTime);
  };
  const transcribe = async () => {
    setTranscribing(true);
    try {
      const r = await fetch(partUrl(message.id, part.index, { format: 'text/plain' }));
      setTranscript(r.ok ? await r.text() : null);
      props.onChanged();
    } finally {
      setTranscribing(false);
    }
  };

  return (
    <section class="player" aria-label={t('player.play')}>
      <audio
        ref={audio}
        src={partUrl(message.id, heard.index, { format: PLAYABLE })}
        preload="metadata"
        controls
        onTimeUpdate={(e) => setPosition((e.target as HTMLAudioElement).currentTime)}
        onLoadedMetadata={(e) => {
          const d = (e.target as HTMLAudioElement).duration;
          if (Number.isFinite(d) && d > 0 && !duration) setDuration(d);
        }}
      />
      <Waveform
        peaks={peaks}
        played={duration ? position / duration : 0}
        class="waveform"
        width={800}
        height={80}
        role="slider"
        tabIndex={0}
        aria-label={t('player.position')}
        aria-valuemin={0}
        aria-valuemax={Math.round(duration)}
        aria-valuenow={Math.round(position)}
        aria-valuetext={`${clock(position * 1000)} / ${clock(duration * 1000)}`}
        onClick={(e) => {
          const box = (e.target as HTMLCanvasElement).getBoundingClientRect();
          seek(((e.clientX - box.left) / box.width) * duration);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowRight') seek(position + 5);
          if (e.key === 'ArrowLeft') seek(position - 5);
          if (e.key === ' ') {
            e.preventDefault();
            const a = audio.current;
            if (a) void (a.paused ? a.play() : a.pause());
          }
        }}
      />
      <div class="player-controls">
        <span class="time">
          {clock(position * 1000)} / {clock(duration * 1000)}
        </span>
        <label>
          {t('player.speed')}{' '}
          <select
            name="speed"
            value={String(speed)}
            onChange={(e) => {
              const s = Number((e.target as HTMLSelectElement).value);
              setSpeed(s);
              if (audio.current) audio.current.playbackRate = s;
            }}
          >
            {SPEEDS.map((s) => (
              <option value={String(s)}>{s}×</option>
            ))}
          </select>
        </label>
        <a href={partUrl(message.id, part.index, { download: true })}>{t('message.download')}</a>
      </div>
      <section class="transcript" aria-label={t('message.transcript')}>
        <h2>{t('message.transcript')}</h2>
        {transcript !== null ? (
          <p>{transcript.trim() || '…'}</p>
        ) : (
          <button type="button" onClick={transcribe} disabled={transcribing}>
            {transcribing ? t('message.transcribing') : t('message.transcribe')}
          </button>
        )}
      </section>
    </section>
  );
}
