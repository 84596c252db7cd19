import { useEffect, useState } from 'preact/hooks';
import type { Live } from '../../ivm/messenger';
import { audioContext } from '../../ivm/playback';
import { useI18n } from '../../i18n';

/**
 * Browsers keep sound off until the user has touched the page; live audio arriving before that
 * would be silent, so a button asks for the one click that turns it on.
 */
function SoundGate() {
  const { t } = useI18n();
  const context = audioContext();
  const [state, setState] = useState(context.state);
  useEffect(() => {
    const changed = () => setState(context.state);
    context.addEventListener('statechange', changed);
    return () => context.removeEventListener('statechange', changed);
  }, [context]);
  if (state === 'running') return null;
  return (
    <button type="button" class="sound-on" onClick={() => void context.resume()}>
      🔈 {t('ivm.soundOn')}
    </button>
  );
}

/**
 * Streams playing now. `data-live-frames` counts the audio frames that arrived for the stream,
 * `data-live-decoded` those decoded and playing (checks for tests and support; invisible).
 */
export function LiveNow(props: { live: Live[] }) {
  const { t } = useI18n();
  return (
    <div class="ivm-live-list" aria-live="polite">
      {props.live.map((l) => (
        <p
          class={`live${l.ended ? ' ended' : ''}`}
          data-live-frames={l.frames}
          data-live-decoded={l.decoded}
          data-stream={l.stream}
          data-from={l.from}
        >
          <span class="live-dot" aria-hidden="true" />
          {l.ended ? t('ivm.liveEnded', { name: l.name }) : t('ivm.liveNow', { name: l.name })}
        </p>
      ))}
      {props.live.some((l) => !l.ended) && <SoundGate />}
    </div>
  );
}
