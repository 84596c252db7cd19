import { useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { useI18n } from '../../i18n';

export type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; message: string }
  | { kind: 'failed'; message: string };

/**
 * Runs one save and remembers how it went, so each form can say "Saved." or exactly why not.
 * `explain` turns an API refusal the form understands (a wrong current password) into words.
 */
export function useSave() {
  const { t } = useI18n();
  const [state, setState] = useState<SaveState>({ kind: 'idle' });
  const run = async (
    work: () => Promise<unknown>,
    options: { saved?: string; explain?: (err: ApiError) => string | null } = {},
  ): Promise<boolean> => {
    setState({ kind: 'saving' });
    try {
      await work();
      setState({ kind: 'saved', message: options.saved ?? t('settings.saved') });
      return true;
    } catch (err) {
      const explained = err instanceof ApiError ? options.explain?.(err) : null;
      setState({
        kind: 'failed',
        message: explained ?? t('settings.failed', { detail: (err as Error).message }),
      });
      return false;
    }
  };
  const fail = (message: string) => setState({ kind: 'failed', message });
  return { state, run, fail };
}

/** Success in a polite live region; a failure as an alert, read out at once. */
export function SaveStatus({ state }: { state: SaveState }) {
  return (
    <div class="save-status">
      <p role="status" class="saved">
        {state.kind === 'saved' ? state.message : ''}
      </p>
      {state.kind === 'failed' && (
        <p role="alert" class="error">
          {state.message}
        </p>
      )}
    </div>
  );
}
