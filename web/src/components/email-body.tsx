import { useEffect, useState } from 'preact/hooks';
import { partUrl, type Message } from '../api';
import { useI18n } from '../i18n';

/**
 * What keeps mail HTML harmless: it renders in a sandboxed frame with no script permission, and
 * its own Content-Security-Policy allows no scripts, no forms and, until the reader asks, no
 * remote images (which would tell the sender the mail was read).
 */
function framed(html: string, remote: boolean): string {
  const images = remote ? 'data: cid: https: http:' : 'data: cid:';
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src ${images}; font-src data:`;
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><base target="_blank"><style>body{font:15px/1.5 system-ui,sans-serif;margin:0;word-wrap:break-word}</style></head><body>${html}</body></html>`;
}

const REMOTE = /<img[^>]+src\s*=\s*["']?\s*https?:/i;

/** An email's (or SMS's, or a fax cover note's) text: sanitized HTML when there is some, else plain. */
export function EmailBody({ message }: { message: Message }) {
  const { t } = useI18n();
  const originals = message.parts.filter(
    (p) => p.derivedFrom === null && p.disposition === 'inline',
  );
  const html = originals.find((p) => p.contentType.startsWith('text/html'));
  const text = originals.find((p) => p.contentType.startsWith('text/plain'));
  const [content, setContent] = useState<{ html?: string; text?: string } | null>(null);
  const [remote, setRemote] = useState(false);

  useEffect(() => {
    const part = html ?? text;
    if (!part) return setContent({});
    fetch(partUrl(message.id, part.index))
      .then((r) => r.text())
      .then((body) => setContent(part === html ? { html: body } : { text: body }))
      .catch(() => setContent({}));
  }, [message.id, html?.index, text?.index]);

  if (!content) return null;
  if (content.html !== undefined)
    return (
      <section class="email-body">
        {!remote && REMOTE.test(content.html) && (
          <p class="notice">
            {t('message.remoteBlocked')}{' '}
            <button type="button" onClick={() => setRemote(true)}>
              {t('message.remoteShow')}
            </button>
          </p>
        )}
        <iframe
          class="html-mail"
          title={message.subject ?? 'mail'}
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          referrerpolicy="no-referrer"
          srcdoc={framed(content.html, remote)}
        />
      </section>
    );
  if (content.text) return <pre class="text-body">{content.text}</pre>;
  return message.type === 'fax' ? null : <p class="empty">{t('message.noText')}</p>;
}
