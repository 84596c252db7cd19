import type { Live } from '../../ivm/messenger';
import { useI18n } from '../../i18n';

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
    </div>
  );
}
