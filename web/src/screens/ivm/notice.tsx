import type { Notice } from '../../ivm/messenger';
import { useI18n, type TextKey, type Translate } from '../../i18n';

const KNOWN = new Set([
  'queued',
  'refused',
  'not-a-contact',
  'unknown',
  'too-large',
  'rate-limited',
  'offline',
  'lost',
  'forbidden',
  'too-many-streams',
  'mic-blocked',
  'mic-missing',
  'mic-unsupported',
  'noRecipient',
  'noGroupMembers',
  'file-unreadable',
  'truncated',
  'tooShort',
  'unavailable',
]);

/** A server code or a local problem in words that say what to do. */
export function problemText(t: Translate, code: string, vars: Record<string, string>): string {
  if (code === 'unknown' && !vars.address) return t('ivm.problem.unknownSome');
  if (KNOWN.has(code)) return t(`ivm.problem.${code}` as TextKey, vars);
  return t('ivm.problem.other', { detail: vars.detail || code });
}

/** The latest thing to tell: a new message or request (a status), or a problem (an alert). */
export function NoticeBar(props: { notice: Notice | null; onDismiss(): void }) {
  const { t } = useI18n();
  const n = props.notice;
  if (!n) return null;
  const text =
    n.kind === 'problem'
      ? problemText(t, n.code, n.vars)
      : t(`ivm.notice.${n.code}` as TextKey, n.vars);
  return (
    <div
      class={`ivm-notice ${n.kind}`}
      role={n.kind === 'problem' ? 'alert' : 'status'}
      data-kind={n.kind}
      data-code={n.code}
    >
      <span>{text}</span>
      <button type="button" class="link" onClick={props.onDismiss} aria-label={t('ivm.dismiss')}>
        ×
      </button>
    </div>
  );
}
