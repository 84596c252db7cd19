import type { Presence } from '../../ivm/frames';
import { useI18n } from '../../i18n';

/** A coloured dot with its status in words (for screen readers and as a tooltip). */
export function PresenceDot(props: { status: Presence }) {
  const { t } = useI18n();
  const label = t(`ivm.status.${props.status}`);
  return (
    <span class="presence" data-status={props.status} role="img" aria-label={label} title={label} />
  );
}
