import { useState } from 'preact/hooks';
import { ApiError, clock } from '../../api';
import { useI18n, type TextKey } from '../../i18n';
import {
  deleteGreeting,
  greetingUrl,
  saveGreeting,
  type GreetingInfo,
  type GreetingKind,
} from './greetings-api';
import { LevelMeter, useInputLevel } from './level-meter';
import { SaveStatus, useSave } from './save-status';
import { useRecorder } from './use-recorder';

/**
 * One greeting: play the current one, record a new one in the browser (with a level meter while
 * recording and a chance to listen before saving), upload a file instead, or delete it.
 */
export function GreetingCard(props: {
  kind: GreetingKind;
  current: GreetingInfo | null;
  maxSeconds: number;
  onChanged(): void;
}) {
  const { t } = useI18n();
  const { kind, current } = props;
  const recorder = useRecorder(props.maxSeconds);
  const level = useInputLevel(recorder.state.phase === 'recording' ? recorder.state.stream : null);
  const save = useSave();
  const [fileKey, setFileKey] = useState(0);
  const titleId = `greeting-${kind}`;

  // The server's words for a refused greeting (not audio, too long) are the clearest there are.
  const explain = (err: ApiError) => t('settings.failed', { detail: err.detail || err.title });
  const store = async (audio: Blob) => {
    const ok = await save.run(() => saveGreeting(kind, audio), { explain });
    if (ok) {
      recorder.reset();
      props.onChanged();
    }
  };
  const remove = async () => {
    if (await save.run(() => deleteGreeting(kind), { saved: t('settings.deleted') }))
      props.onChanged();
  };
  const upload = (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    setFileKey((k) => k + 1);
    if (file) void store(file);
  };

  const state = recorder.state;
  return (
    <section class="greeting card" aria-labelledby={titleId} data-kind={kind}>
      <h3 id={titleId}>{t(`settings.greeting.${kind}` as TextKey)}</h3>
      <p class="help">{t(`settings.greeting.${kind}Help` as TextKey)}</p>
      {current ? (
        <div class="current">
          {/* Keyed by the time it changed, so a new recording is fetched, not the old one. */}
          <audio key={current.updatedAt} controls preload="metadata" src={greetingUrl(kind)} />
          <span class="duration">
            {t('settings.greeting.length', { time: clock(current.durationMs) })}
          </span>
          <button type="button" onClick={remove} disabled={save.state.kind === 'saving'}>
            {t('settings.deleteGreeting')}
          </button>
        </div>
      ) : (
        <p class="none">{t('settings.greeting.none')}</p>
      )}

      {state.phase === 'recording' ? (
        <div class="recording">
          <LevelMeter level={level} />
          <span class="elapsed" aria-live="off">
            {t('settings.recording', { time: clock(state.elapsedMs) })}
          </span>
          <button type="button" class="stop" onClick={recorder.stop}>
            {t('settings.stop')}
          </button>
        </div>
      ) : state.phase === 'review' ? (
        <div class="review" role="group" aria-label={t('settings.review')}>
          <p>{t('settings.review')}</p>
          <audio controls src={state.url} />
          <div class="buttons">
            <button
              type="button"
              class="primary"
              onClick={() => store(state.audio)}
              disabled={save.state.kind === 'saving'}
            >
              {save.state.kind === 'saving' ? t('settings.saving') : t('settings.save')}
            </button>
            <button type="button" onClick={recorder.start}>
              {t('settings.recordAgain')}
            </button>
            <button type="button" onClick={recorder.reset}>
              {t('settings.cancel')}
            </button>
          </div>
        </div>
      ) : (
        <div class="buttons">
          <button type="button" class="record" onClick={recorder.start}>
            {t('settings.record')}
          </button>
          <label class="upload">
            <span>{t('settings.upload')}</span>
            <input key={fileKey} type="file" accept="audio/*" onChange={upload} />
          </label>
        </div>
      )}
      {state.phase === 'failed' && (
        <p role="alert" class="error">
          {state.reason === 'unsupported'
            ? t('settings.noRecorder')
            : t('settings.micDenied', { detail: state.reason })}
        </p>
      )}
      <SaveStatus state={save.state} />
    </section>
  );
}
