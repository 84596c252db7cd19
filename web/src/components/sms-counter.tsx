import { useI18n } from '../i18n';
import { smsLength } from '../sms-length';

/**
 * Characters left and parts used, as phones show them; says when the text needs UCS-2 (70 per
 * SMS instead of 160), which surprises people who typed one emoji. Read out politely.
 */
export function SmsCounter({ text, id }: { text: string; id?: string }) {
  const { t } = useI18n();
  const length = smsLength(text);
  return (
    <p class="sms-counter" id={id} aria-live="polite" data-parts={length.parts}>
      {t('sms.counter', { left: length.left, parts: length.parts })}
      {length.encoding === 'ucs2' && <span class="ucs2"> · {t('sms.unicode')}</span>}
    </p>
  );
}
