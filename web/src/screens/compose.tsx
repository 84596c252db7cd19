import { useEffect, useState } from 'preact/hooks';
import { api, conversationHref, ownNumber, partUrl, toUri, type Me, type Message } from '../api';
import { navigate } from '../app';
import { FaxFields, faxFilesProblem, type FaxCover, type FaxFile } from '../components/fax-fields';
import { Recorder, type Recording } from '../components/recorder';
import { SmsCounter } from '../components/sms-counter';
import { faxNumber } from '../fax';
import { useI18n } from '../i18n';

interface Attachment {
  filename: string;
  contentType: string;
  blob: Blob;
}

async function base64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** A new message: text to one or many, a voice recording made here, files; reply and forward too. */
export function Compose({ me, params }: { me: Me; params: URLSearchParams }) {
  const { t } = useI18n();
  // An SMS is text to numbers: no subject, recording or files.
  const [asSms, setAsSms] = useState(params.get('as') === 'sms');
  // A fax is documents to one number, with or without a cover page.
  const [asFax, setAsFax] = useState(params.get('as') === 'fax');
  const [faxFiles, setFaxFiles] = useState<FaxFile[]>([]);
  const [cover, setCover] = useState<FaxCover>({
    style: 'standard',
    note: '',
    senderName: me.name,
    recipientName: '',
  });
  const [to, setTo] = useState(params.get('to') ?? '');
  const [subject, setSubject] = useState(params.get('subject') ?? '');
  const [text, setText] = useState('');
  const [recording, setRecording] = useState<Recording | null>(null);
  const [files, setFiles] = useState<Attachment[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Forwarding carries the original's parts along as attachments.
  const forward = params.get('forward');
  useEffect(() => {
    if (!forward) return;
    void (async () => {
      const original = await api<Message>('GET', `/messages/${encodeURIComponent(forward)}`);
      setSubject(`Fwd: ${original.subject ?? ''}`.trim());
      const parts = original.parts.filter((p) => p.derivedFrom === null);
      const loaded: Attachment[] = [];
      for (const p of parts) {
        const blob = await (await fetch(partUrl(original.id, p.index))).blob();
        loaded.push({
          filename: p.filename ?? `part-${p.index}`,
          contentType: p.contentType,
          blob,
        });
      }
      setFiles(loaded);
    })().catch((err: Error) => setError(t('error.generic', { detail: err.message })));
  }, [forward]);

  const send = async (e: Event) => {
    e.preventDefault();
    const recipients = to
      .split(/[,;]/)
      .map((a) => a.trim())
      .filter(Boolean);
    if (recipients.length === 0) return setError(t('compose.needRecipient'));
    if (asSms) return sendSms(recipients);
    if (asFax) return sendFax();
    if (!text.trim() && !recording && files.length === 0) return setError(t('compose.empty'));
    setBusy(true);
    setError(null);
    try {
      const attachments = [];
      if (recording)
        attachments.push({
          filename: `voice-message.${recording.type.includes('ogg') ? 'ogg' : 'webm'}`,
          contentType: recording.type,
          content: await base64(recording.blob),
        });
      for (const f of files)
        attachments.push({
          filename: f.filename,
          contentType: f.contentType,
          content: await base64(f.blob),
        });
      await api('POST', '/messages', {
        to: recipients.map(toUri),
        type: recording ? 'voice' : 'email',
        ...(subject ? { subject } : {}),
        ...(text.trim() ? { text } : {}),
        ...(attachments.length ? { attachments } : {}),
      });
      navigate('/?folder=sent');
    } catch (err) {
      setError(t('error.generic', { detail: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  const sendSms = async (recipients: string[]) => {
    const notNumber = recipients.find((r) => !toUri(r).startsWith('tel:'));
    if (notNumber) return setError(t('compose.smsNeedsNumber', { address: notNumber }));
    if (!text.trim()) return setError(t('compose.smsEmpty'));
    setBusy(true);
    setError(null);
    try {
      const from = ownNumber(me);
      const to = recipients.map(toUri);
      await api('POST', '/messages', { type: 'sms', to, text, ...(from ? { from } : {}) });
      navigate(to.length === 1 ? conversationHref(to[0]!).slice(1) : '/sms');
    } catch (err) {
      setError(t('error.generic', { detail: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  /** The fax as the API takes it, for sending or for the preview; null when it has a problem. */
  const faxBody = async (needNumber: boolean) => {
    const number = faxNumber(to);
    if (!number && (needNumber || to.trim())) {
      setError(t('fax.badNumber', { number: to.trim() }));
      return null;
    }
    const problem = faxFilesProblem(faxFiles, t);
    if (problem) {
      setError(problem);
      return null;
    }
    setError(null);
    const attachments = [];
    for (const f of faxFiles)
      attachments.push({ filename: f.name, contentType: f.type, content: await base64(f.blob) });
    return {
      ...(number ? { to: number } : {}),
      ...(subject ? { subject } : {}),
      attachments,
      cover:
        cover.style === 'none'
          ? { style: 'none' }
          : {
              style: 'standard',
              ...(cover.note.trim() ? { note: cover.note } : {}),
              ...(cover.senderName.trim() ? { senderName: cover.senderName.trim() } : {}),
              ...(cover.recipientName.trim() ? { recipientName: cover.recipientName.trim() } : {}),
            },
    };
  };

  const previewFax = async () => {
    try {
      const body = await faxBody(false);
      return body && (await api<{ pages: number; images: string[] }>('POST', '/fax/preview', body));
    } catch (err) {
      setError(t('fax.previewFailed', { detail: (err as Error).message }));
      return null;
    }
  };

  const sendFax = async () => {
    setBusy(true);
    try {
      const body = await faxBody(true);
      if (!body) return;
      const answer = await api<{ id: string | null }>('POST', '/messages', {
        ...body,
        type: 'fax',
        to: [body.to],
      });
      // The sent fax, where its delivery can be watched.
      navigate(answer.id ? `/m/${answer.id}` : '/?folder=sent');
    } catch (err) {
      setError(t('error.generic', { detail: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="compose" onSubmit={send} aria-labelledby="compose-title">
      <h1 id="compose-title">{t('nav.compose')}</h1>
      <label class="inline">
        <input
          type="checkbox"
          name="sms"
          checked={asSms}
          onChange={(e) => {
            setAsSms((e.target as HTMLInputElement).checked);
            setAsFax(false);
          }}
        />
        {t('compose.asSms')}
      </label>
      <label class="inline">
        <input
          type="checkbox"
          name="fax"
          checked={asFax}
          onChange={(e) => {
            setAsFax((e.target as HTMLInputElement).checked);
            setAsSms(false);
            setError(null);
          }}
        />
        {t('compose.asFax')}
      </label>
      <label>
        {asFax ? t('fax.number') : t('compose.to')}
        <input
          name="to"
          type={asFax ? 'tel' : 'text'}
          required
          aria-invalid={asFax && error !== null && faxNumber(to) === null ? 'true' : undefined}
          placeholder={
            asFax ? t('fax.numberHint') : asSms ? t('compose.numbersHint') : t('compose.toHint')
          }
          value={to}
          onInput={(e) => setTo((e.target as HTMLInputElement).value)}
        />
      </label>
      {!asSms && (
        <label>
          {t('compose.subject')}
          <input
            name="subject"
            type="text"
            value={subject}
            onInput={(e) => setSubject((e.target as HTMLInputElement).value)}
          />
        </label>
      )}
      {asFax && (
        <FaxFields
          files={faxFiles}
          onFiles={setFaxFiles}
          cover={cover}
          onCover={setCover}
          onError={setError}
          onPreview={previewFax}
        />
      )}
      {!asFax && (
        <label>
          {t('compose.text')}
          <textarea
            name="text"
            rows={6}
            value={text}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
        </label>
      )}
      {asSms && <SmsCounter text={text} />}
      {!asSms && !asFax && (
        <>
          <fieldset>
            <legend>{t('compose.voice')}</legend>
            <Recorder onChange={setRecording} />
          </fieldset>
          <label>
            {t('compose.attach')}
            <input
              type="file"
              multiple
              onChange={(e) => {
                const list = [...((e.target as HTMLInputElement).files ?? [])];
                setFiles([
                  ...files,
                  ...list.map((f) => ({
                    filename: f.name,
                    contentType: f.type || 'application/octet-stream',
                    blob: f,
                  })),
                ]);
              }}
            />
          </label>
        </>
      )}
      {!asSms && !asFax && files.length > 0 && (
        <ul class="attached">
          {files.map((f, i) => (
            <li>
              {f.filename}{' '}
              <button
                type="button"
                class="link"
                onClick={() => setFiles(files.filter((_, j) => j !== i))}
              >
                {t('compose.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? t('compose.sending') : asFax ? t('fax.send') : t('compose.send')}
      </button>
      {busy && asFax && <progress aria-label={t('compose.sending')} />}
    </form>
  );
}
