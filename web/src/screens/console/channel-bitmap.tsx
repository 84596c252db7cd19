import { useI18n } from '../../i18n';

/**
 * The busy-channel bitmap ("0110") as a row of small squares, filled where a channel is busy.
 * Screen readers get the count instead of a string of digits.
 */
export function ChannelBitmap({ bitmap }: { bitmap: string }) {
  const { t } = useI18n();
  const busy = [...bitmap].filter((c) => c === '1').length;
  return (
    <span
      class="bitmap"
      role="img"
      aria-label={t('console.resources.busyOf', { busy, total: bitmap.length })}
      data-bitmap={bitmap}
    >
      {[...bitmap].map((c) => (
        <span class={c === '1' ? 'slot busy' : 'slot'} />
      ))}
    </span>
  );
}
