import { ApiError } from '../../api';
import type { Translate } from '../../i18n';

/** An error as a sentence that says what to do next. */
export function explain(err: unknown, t: Translate): string {
  if (err instanceof ApiError) {
    if (err.status === 401 || err.status === 403) return t('console.error.forbidden');
    return t('error.generic', { detail: err.message });
  }
  // fetch rejects with a TypeError when the server cannot be reached at all.
  if (err instanceof TypeError) return t('error.offline');
  return t('error.generic', { detail: (err as Error).message });
}
