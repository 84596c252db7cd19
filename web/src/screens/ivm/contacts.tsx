import { useState } from 'preact/hooks';
import { shown } from '../../api';
import type { Contact } from '../../ivm/frames';
import type { Messenger } from '../../ivm/messenger';
import { useI18n } from '../../i18n';
import { PresenceDot } from './presence';

/**
 * Contacts with live presence: accepted ones can be picked as recipients; requests to me can be
 * accepted or declined; my own requests wait for the other side.
 */
export function ContactList(props: {
  messenger: Messenger;
  contacts: Contact[];
  selected: string[];
  onToggle(address: string): void;
}) {
  const { t } = useI18n();
  const { messenger } = props;
  const sorted = [...props.contacts].sort((a, b) =>
    (a.name || a.address).localeCompare(b.name || b.address),
  );
  const accepted = sorted.filter((c) => c.state === 'accepted');
  const incoming = sorted.filter((c) => c.state === 'incoming');
  const requested = sorted.filter((c) => c.state === 'requested');
  return (
    <section class="ivm-contacts" aria-label={t('ivm.contacts')}>
      <h2>{t('ivm.contacts')}</h2>
      {incoming.length > 0 && (
        <ul class="ivm-requests" aria-label={t('ivm.requests')}>
          {incoming.map((c) => (
            <li class="contact" data-address={c.address} data-state="incoming">
              <span class="name">{c.name || shown(c.address)}</span>
              <button type="button" onClick={() => void messenger.accept(c.address)}>
                {t('ivm.accept')}
              </button>
              <button type="button" onClick={() => void messenger.remove(c.address)}>
                {t('ivm.decline')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {accepted.length === 0 && <p class="muted">{t('ivm.noContacts')}</p>}
      <ul>
        {accepted.map((c) => (
          <li class="contact" data-address={c.address} data-state="accepted" data-status={c.status}>
            <label>
              <input
                type="checkbox"
                checked={props.selected.includes(c.address)}
                onChange={() => props.onToggle(c.address)}
              />
              <PresenceDot status={c.status} />
              <span class="name">{c.name || shown(c.address)}</span>
              <span class="muted address">{shown(c.address)}</span>
            </label>
            <button
              type="button"
              class="link remove"
              aria-label={t('ivm.removeNamed', { name: c.name || shown(c.address) })}
              onClick={() => {
                if (confirm(t('ivm.removeConfirm', { name: c.name || shown(c.address) })))
                  void messenger.remove(c.address);
              }}
            >
              ×
            </button>
          </li>
        ))}
        {requested.map((c) => (
          <li class="contact" data-address={c.address} data-state="requested">
            <span class="name">{c.name || shown(c.address)}</span>{' '}
            <span class="muted">{t('ivm.waiting')}</span>
            <button type="button" class="link" onClick={() => void messenger.remove(c.address)}>
              {t('ivm.withdraw')}
            </button>
          </li>
        ))}
      </ul>
      <AddContact messenger={messenger} />
    </section>
  );
}

function AddContact(props: { messenger: Messenger }) {
  const { t } = useI18n();
  const [address, setAddress] = useState('');
  return (
    <form
      class="ivm-add"
      onSubmit={(e) => {
        e.preventDefault();
        if (!address.trim()) return;
        void props.messenger.addContact(address);
        setAddress('');
      }}
    >
      <label>
        {t('ivm.addLabel')}
        <input
          type="text"
          name="contact"
          value={address}
          placeholder="bob@example.com"
          autocomplete="off"
          onInput={(e) => setAddress((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">{t('ivm.add')}</button>
    </form>
  );
}
