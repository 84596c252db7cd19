import { useEffect, useRef, useState } from 'preact/hooks';
import { clock, savedToken, shown } from '../../api';
import { Waveform } from '../../components/waveform';
import type { Messenger, Received } from '../../ivm/messenger';
import { useI18n } from '../../i18n';

/** The stored audio with the token in the query: an <audio> element cannot send a header. */
function withToken(url: string, params: Record<string, string> = {}): string {
  const u = new URL(url, location.origin);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  u.searchParams.set('token', savedToken() ?? '');
  return u.pathname + u.search;
}

/** Peaks stretched so the loudest fills the height: short voice notes are often quiet. */
function scaled(peaks: number[]): number[] {
  const top = Math.max(0, ...peaks);
  return top > 0 ? peaks.map((p) => p / top) : peaks;
}

/** Voice messages received, newest first, each with its waveform, length and a player. */
export function ReceivedList(props: { messenger: Messenger; messages: Received[] }) {
  const { t } = useI18n();
  return (
    <section class="ivm-received" aria-label={t('ivm.received')}>
      <h2>{t('ivm.received')}</h2>
      {props.messages.length === 0 && <p class="muted">{t('ivm.noMessages')}</p>}
      <ul>
        {props.messages.map((m) => (
          <ReceivedItem key={m.id} messenger={props.messenger} message={m} />
        ))}
      </ul>
    </section>
  );
}

function ReceivedItem(props: { messenger: Messenger; message: Received }) {
  const { t, language } = useI18n();
  const { message } = props;
  const [peaks, setPeaks] = useState<number[]>(message.waveform ?? []);
  const [position, setPosition] = useState(0);
  const duration = (message.durationMs ?? 0) / 1000;
  // The treated audio replaces the original when it comes, but not under a listener's ear: a
  // recording being played keeps playing, and the next play is the treated one.
  const player = useRef<HTMLAudioElement>(null);
  const [audio, setAudio] = useState(message.audio);
  useEffect(() => {
    if (player.current?.paused !== false) setAudio(message.audio);
  }, [message.audio]);

  useEffect(() => {
    if (message.waveform?.length) {
      setPeaks(message.waveform);
      return;
    }
    // Listed from the mailbox: the server keeps the peaks with the message.
    fetch(withToken(message.audio, { format: 'peaks' }))
      .then((r) => (r.ok ? r.json() : null))
      .then((w: { peaks?: number[] } | null) => w?.peaks && setPeaks(w.peaks))
      .catch(() => undefined);
  }, [message.id, message.waveform]);

  const when = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' });
  const from = message.fromName || shown(message.from);
  return (
    <li
      class="ivm-message"
      data-id={message.id}
      data-state={message.played ? 'played' : 'new'}
      data-from={message.from}
    >
      <div class="ivm-message-head">
        <strong>{from}</strong>
        {!message.played && <span class="badge">{t('ivm.new')}</span>}
        <span class="muted">{when.format(new Date(message.receivedAt))}</span>
        <span class="duration">{clock(message.durationMs ?? 0)}</span>
      </div>
      {message.subject && <p>{message.subject}</p>}
      <Waveform
        peaks={scaled(peaks)}
        played={duration ? position / duration : 0}
        class="waveform"
        width={600}
        height={48}
        aria-hidden="true"
      />
      <audio
        controls
        preload="none"
        ref={player}
        src={withToken(audio)}
        aria-label={t('ivm.playFrom', { name: from })}
        onPlay={() => props.messenger.markPlayed(message.id)}
        onEnded={() => setAudio(message.audio)}
        onTimeUpdate={(e) => setPosition((e.target as HTMLAudioElement).currentTime)}
      />
      {message.attachments.length > 0 && (
        <ul class="attached" aria-label={t('message.attachments')}>
          {message.attachments.map((a) => (
            <li>
              <a href={withToken(a.url, { download: '1' })} download={a.filename}>
                {a.filename}
              </a>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
