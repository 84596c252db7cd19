import { useState } from 'preact/hooks';
import { useI18n } from '../i18n';
import { SmsCounter } from './sms-counter';

/**
 * The box at the bottom of a conversation: the text, its length in SMS, and Send. Ctrl+Enter
 * (or Cmd+Enter) sends from the keyboard; Enter alone makes a new line, as in any text field.
 */
export function SmsBox({ onSend }: { onSend: (text: string) => Promise<void> }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = async (e?: Event) => {
    e?.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSend(text);
      setText('');
    } catch (err) {
      setError(t('sms.sendFailed', { detail: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="sms-box" onSubmit={send}>
      <label class="visually-hidden" for="sms-text">
        {t('sms.write')}
      </label>
      <textarea
        id="sms-text"
        name="text"
        rows={2}
        placeholder={t('sms.write')}
        aria-describedby="sms-counter"
        value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send();
        }}
      />
      <button type="submit" class="primary" disabled={busy || !text.trim()}>
        {busy ? t('compose.sending') : t('compose.send')}
      </button>
      <SmsCounter text={text} id="sms-counter" />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
