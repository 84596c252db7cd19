import { useEffect, useRef } from 'preact/hooks';
import { useI18n } from '../../i18n';

/** Longer than this between press and release is holding; shorter is a click that toggles. */
const HOLD_MS = 350;

/**
 * Press and hold to talk, or click once to start and again to stop; the space bar works like
 * holding (anywhere on the screen but on another control or in a field).
 */
export function TalkButton(props: {
  talking: boolean;
  disabled: boolean;
  onStart(): void;
  onStop(): void;
}) {
  const { t } = useI18n();
  const pressedAt = useRef(0);
  const talking = useRef(props.talking);
  talking.current = props.talking;
  const handlers = useRef(props);
  handlers.current = props;

  useEffect(() => {
    // Space keeps its own meaning in fields and on other controls (ticking a contact, a button).
    const typing = (e: KeyboardEvent) =>
      e.target instanceof HTMLElement &&
      !e.target.classList.contains('talk') &&
      !!e.target.closest('input, textarea, select, button, a, summary, audio, [contenteditable]');
    const down = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || typing(e)) return;
      e.preventDefault();
      if (!e.repeat && !talking.current && !handlers.current.disabled) handlers.current.onStart();
    };
    const up = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || typing(e)) return;
      e.preventDefault();
      if (talking.current) handlers.current.onStop();
    };
    addEventListener('keydown', down);
    addEventListener('keyup', up);
    return () => {
      removeEventListener('keydown', down);
      removeEventListener('keyup', up);
    };
  }, []);

  return (
    <button
      type="button"
      class="talk"
      aria-pressed={props.talking}
      disabled={props.disabled}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        if (talking.current) {
          props.onStop();
          pressedAt.current = 0;
          return;
        }
        pressedAt.current = Date.now();
        (e.currentTarget as HTMLButtonElement).setPointerCapture?.(e.pointerId);
        props.onStart();
      }}
      onPointerUp={() => {
        if (pressedAt.current && Date.now() - pressedAt.current > HOLD_MS) props.onStop();
        pressedAt.current = 0;
      }}
      onClick={(e) => {
        // Enter on the focused button (a click without a pointer) toggles.
        if (e.detail !== 0) return;
        if (talking.current) props.onStop();
        else props.onStart();
      }}
    >
      {props.talking ? t('ivm.talking') : t('ivm.hold')}
    </button>
  );
}
