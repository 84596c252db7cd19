import { useState } from 'preact/hooks';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { addressUri } from './address';
import { explain } from './explain';
import type { Subscriber } from './types';

/** Adds a subscriber with one address; the rest of the profile they set themselves. */
export function SubscriberForm({ onAdded }: { onAdded(s: Subscriber): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'subscriber' | 'admin'>('subscriber');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api<Subscriber>('POST', '/subscribers', {
        name: name.trim(),
        addresses: [addressUri(address)],
        password,
        role,
      });
      setName('');
      setAddress('');
      setPassword('');
      setRole('subscriber');
      onAdded(created);
    } catch (err) {
      setError(explain(err, t));
    } finally {
      setBusy(false);
    }
  };
  const text = (set: (v: string) => void) => (e: Event) =>
    set((e.target as HTMLInputElement).value);

  return (
    <form class="console-form" onSubmit={submit} aria-labelledby="add-subscriber">
      <h3 id="add-subscriber">{t('console.subscribers.add')}</h3>
      <label>
        {t('console.subscribers.name')}
        <input name="name" required maxLength={200} value={name} onInput={text(setName)} />
      </label>
      <label>
        {t('console.subscribers.address')}
        <input
          name="address"
          required
          aria-describedby="address-hint"
          value={address}
          onInput={text(setAddress)}
        />
        <small id="address-hint">{t('console.subscribers.addressHint')}</small>
      </label>
      <label>
        {t('console.subscribers.password')}
        <input
          name="password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onInput={text(setPassword)}
        />
      </label>
      <label>
        {t('console.subscribers.role')}
        <select
          name="role"
          value={role}
          onChange={(e) => setRole((e.target as HTMLSelectElement).value as typeof role)}
        >
          <option value="subscriber">{t('console.role.subscriber')}</option>
          <option value="admin">{t('console.role.admin')}</option>
        </select>
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {t('console.subscribers.submit')}
      </button>
    </form>
  );
}
