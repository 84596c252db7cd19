import { useEffect, useState } from 'preact/hooks';
import { api, clock, partUrl, shown, type Me, type Message, type Part } from '../api';
import { navigate } from '../app';
import { EmailBody } from '../components/email-body';
import { FaxPages } from '../components/fax-pages';
import { FaxDeliveryStatus } from '../components/fax-status';
import { TypeIcon } from '../components/type-icon';
import { VoicePlayer } from '../components/voice-player';
import { receivedFax } from '../fax';
import { useI18n, type TextKey } from '../i18n';

const MOVE_TARGETS = ['inbox', 'saved', 'archive', 'junk'];
const originals = (m: Message) => m.parts.filter((p) => p.derivedFrom === null);

/** One message, whatever its type: the right viewer, its parts, and what can be done with it. */
export function MessageView({ id }: { id: string; me: Me }) {
  const { t, language } = useI18n();
  const [message, setMessage] = useState<Message | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = () =>
    api<Message>('GET', `/messages/${encodeURIComponent(id)}`).then(setMessage, (err: Error) =>
      setError(t('error.generic', { detail: err.message })),
    );
  useEffect(() => {
    // Opening a message reads it.
    void load().then(() =>
      api<Message>('PATCH', `/messages/${encodeURIComponent(id)}`, { read: true }).then(
        setMessage,
        () => undefined,
      ),
    );
  }, [id]);

  const change = async (patch: Record<string, unknown>) => {
    try {
      setMessage(await api<Message>('PATCH', `/messages/${encodeURIComponent(id)}`, patch));
    } catch (err) {
      setError(t('error.generic', { detail: (err as Error).message }));
    }
  };
  const remove = async () => {
    await api('DELETE', `/messages/${encodeURIComponent(id)}`).catch((err: Error) =>
      setError(err.message),
    );
    navigate('/');
  };
  const restore = async () => {
    setMessage(await api<Message>('POST', `/messages/${encodeURIComponent(id)}/restore`));
  };

  if (error)
    return (
      <p class="error" role="alert">
        {error} <a href="#/">{t('message.back')}</a>
      </p>
    );
  if (!message) return null;
  const parts = originals(message);
  const audio = parts.find((p) => p.contentType.startsWith('audio/'));
  const document = parts.find((p) => /^(image\/tiff|application\/pdf)/.test(p.contentType));
  const attachments = parts.filter(
    (p) => p.disposition === 'attachment' && p !== audio && p !== document,
  );
  const when = new Intl.DateTimeFormat(language, { dateStyle: 'full', timeStyle: 'short' });
  const sentFax = message.type === 'fax' && message.folder === 'sent';
  const fax = message.type === 'fax' && !sentFax ? receivedFax(message.subject) : null;

  return (
    <article class="message" data-id={message.id} data-type={message.type}>
      <p>
        <a href="#/">← {t('message.back')}</a>
      </p>
      <header>
        <h1>
          <TypeIcon type={message.type} /> {message.subject || t(`type.${message.type}` as TextKey)}
        </h1>
        <dl class="envelope">
          <dt>{t('message.from')}</dt>
          <dd class="from">{shown(message.from)}</dd>
          <dt>{t('message.to')}</dt>
          <dd>{message.to.map(shown).join(', ')}</dd>
          <dt>{t('message.date')}</dt>
          <dd>
            <time dateTime={message.createdAt}>{when.format(new Date(message.createdAt))}</time>
            {message.durationMs ? ` · ${clock(message.durationMs)}` : ''}
          </dd>
          {fax && (
            <>
              <dt>{t('fax.station')}</dt>
              <dd class="fax-station">{fax.station}</dd>
            </>
          )}
          {message.type === 'fax' && message.pages !== null && (
            <>
              <dt>{t('fax.pages')}</dt>
              <dd class="fax-pages-count">{message.pages}</dd>
            </>
          )}
          {message.authResults && (
            <>
              <dt>{t('message.senderCheck')}</dt>
              <dd class="auth-results">{message.authResults}</dd>
            </>
          )}
        </dl>
      </header>
      <div class="actions" role="toolbar" aria-label="actions">
        <a
          class="button"
          href={`#/compose?${new URLSearchParams({ to: shown(message.from), subject: `Re: ${message.subject ?? ''}`.trim() })}`}
        >
          {t('action.reply')}
        </a>
        <a class="button" href={`#/compose?${new URLSearchParams({ forward: message.id })}`}>
          {t('action.forward')}
        </a>
        <button type="button" onClick={() => change({ read: !message.read })}>
          {message.read ? t('action.markUnread') : t('action.markRead')}
        </button>
        {message.folder === 'trash' ? (
          <button type="button" onClick={restore}>
            {t('action.restore')}
          </button>
        ) : (
          <button type="button" onClick={remove}>
            {t('action.delete')}
          </button>
        )}
        <label>
          {t('action.moveTo')}{' '}
          <select
            value={message.folder}
            onChange={(e) => change({ folder: (e.target as HTMLSelectElement).value })}
          >
            {[...new Set([message.folder, ...MOVE_TARGETS])].map((f) => (
              <option value={f}>
                {MOVE_TARGETS.includes(f) || f === 'trash' || f === 'sent'
                  ? t(`folder.${f}` as TextKey)
                  : f}
              </option>
            ))}
          </select>
        </label>
      </div>
      {audio && (message.type === 'voice' || message.type === 'ivm') && (
        <VoicePlayer message={message} part={audio} onChanged={load} />
      )}
      {fax?.incomplete && (
        <p class="notice fax-incomplete" role="note">
          {t('fax.incomplete', { reason: fax.incomplete })}
        </p>
      )}
      {sentFax && <FaxDeliveryStatus messageId={message.id} />}
      {document && message.type === 'fax' && <FaxPages message={message} part={document} />}
      {(message.type === 'email' ||
        message.type === 'sms' ||
        message.type === 'text' ||
        message.type === 'fax') && <EmailBody message={message} />}
      {attachments.length > 0 && (
        <section class="attachments">
          <h2>{t('message.attachments')}</h2>
          <ul>
            {attachments.map((p: Part) => (
              <li>
                <a
                  href={partUrl(message.id, p.index, { download: true })}
                  download={p.filename ?? ''}
                >
                  {p.filename ?? `part ${p.index}`}
                </a>{' '}
                <span class="size">({Math.ceil(p.size / 1024)} KB)</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}
