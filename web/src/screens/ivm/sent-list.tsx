import { clock, shown } from '../../api';
import type { Contact } from '../../ivm/frames';
import type { Sent } from '../../ivm/messenger';
import { useI18n } from '../../i18n';
import { problemText } from './notice';

/** What I sent, with one tick per recipient: ✓ delivered, ✓✓ played. */
export function SentList(props: { sent: Sent[]; contacts: Contact[] }) {
  const { t, language } = useI18n();
  if (!props.sent.length) return null;
  const when = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' });
  const name = (address: string) =>
    props.contacts.find((c) => c.address === address)?.name || shown(address);
  return (
    <section class="ivm-sent-list" aria-label={t('ivm.sent')}>
      <h2>{t('ivm.sent')}</h2>
      <ul>
        {props.sent.map((s) => (
          <li class="ivm-sent" data-id={s.id} data-state={s.state}>
            <div class="ivm-message-head">
              <span class="muted">{when.format(new Date(s.at))}</span>
              {s.durationMs !== null && <span class="duration">{clock(s.durationMs)}</span>}
              <span class="sent-state">{t(`ivm.sentState.${s.state}`)}</span>
            </div>
            <ul class="ticks">
              {s.to
                .filter((a) => !s.refused.some((r) => r.address === a))
                .map((address) => {
                  const receipt = s.receipts[address];
                  return (
                    <li class="tick" data-recipient={address} data-receipt={receipt ?? 'none'}>
                      {name(address)}{' '}
                      <span
                        class="tick-mark"
                        aria-label={receipt ? t(`ivm.receipt.${receipt}`) : t('ivm.receipt.none')}
                        title={receipt ? t(`ivm.receipt.${receipt}`) : t('ivm.receipt.none')}
                      >
                        {receipt === 'played' ? '✓✓' : receipt === 'delivered' ? '✓' : '·'}
                      </span>
                    </li>
                  );
                })}
            </ul>
            {s.error && <p class="error">{problemText(t, s.error, {})}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
