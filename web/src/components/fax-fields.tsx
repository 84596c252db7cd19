import { useEffect, useRef, useState } from 'preact/hooks';
import {
  FAX_MAX_FILE_BYTES,
  FAX_MAX_PAGES,
  FAX_MAX_TOTAL_BYTES,
  faxableType,
  pagesOf,
} from '../fax';
import { useI18n, type Translate } from '../i18n';

/** A file to fax: its bytes, its media type and, once read, how many pages it makes. */
export interface FaxFile {
  name: string;
  type: string;
  blob: Blob;
  /** undefined while counting; null when the file does not say. */
  pages?: number | null;
  /** An object URL for a picture's preview. */
  preview?: string;
}

export interface FaxCover {
  style: 'none' | 'standard';
  note: string;
  senderName: string;
  recipientName: string;
}

const MB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MB).toFixed(1);

/**
 * What stops these files being sent as one fax, in words, or null: a file that is not PDF or a
 * picture, a file or all of them too large, too many pages.
 */
export function faxFilesProblem(files: FaxFile[], t: Translate): string | null {
  if (files.length === 0) return t('fax.needFile');
  for (const f of files)
    if (f.blob.size > FAX_MAX_FILE_BYTES)
      return t('fax.tooLarge', {
        name: f.name,
        size: mb(f.blob.size),
        max: FAX_MAX_FILE_BYTES / MB,
      });
  const total = files.reduce((n, f) => n + f.blob.size, 0);
  if (total > FAX_MAX_TOTAL_BYTES)
    return t('fax.totalTooLarge', { size: mb(total), max: FAX_MAX_TOTAL_BYTES / MB });
  const pages = files.reduce((n, f) => n + (f.pages ?? 0), 0);
  if (pages > FAX_MAX_PAGES) return t('fax.tooManyPages', { n: pages, max: FAX_MAX_PAGES });
  return null;
}

/**
 * The fax part of compose: the documents (PDF, PNG, JPEG, TIFF) with their page counts, a
 * preview of pictures, the limits, and the cover page (none, or the standard one with a note and
 * the names on it).
 */
export function FaxFields({
  files,
  onFiles,
  cover,
  onCover,
  onError,
  onPreview,
}: {
  files: FaxFile[];
  onFiles: (update: (files: FaxFile[]) => FaxFile[]) => void;
  cover: FaxCover;
  onCover: (cover: FaxCover) => void;
  onError: (message: string | null) => void;
  /** The fax rendered on the server as the machine would get it; null when it cannot be. */
  onPreview: () => Promise<{ pages: number; images: string[] } | null>;
}) {
  const { t } = useI18n();
  const [preview, setPreview] = useState<{ pages: number; images: string[] } | null>(null);
  const [rendering, setRendering] = useState(false);
  // A preview shows what was chosen when it was made: a change of files or cover drops it.
  useEffect(() => setPreview(null), [files, cover]);
  const showPreview = async () => {
    setRendering(true);
    try {
      setPreview(await onPreview());
    } finally {
      setRendering(false);
    }
  };
  // Object URLs of previews are let go when their file is removed or the form closes.
  const latest = useRef(files);
  latest.current = files;
  useEffect(
    () => () => latest.current.forEach((f) => f.preview && URL.revokeObjectURL(f.preview)),
    [],
  );

  const add = (list: File[]) => {
    const refused = list.find((f) => !faxableType(f));
    if (refused) onError(t('fax.notFaxable', { name: refused.name }));
    else onError(null);
    const added: FaxFile[] = list
      .filter((f) => faxableType(f))
      .map((f) => {
        const type = faxableType(f)!;
        return {
          name: f.name,
          type,
          blob: f,
          ...(type === 'image/png' || type === 'image/jpeg'
            ? { pages: 1, preview: URL.createObjectURL(f) }
            : {}),
        };
      });
    onFiles((current) => [...current, ...added]);
    for (const f of added)
      if (f.pages === undefined)
        void f.blob.arrayBuffer().then(
          (bytes) => {
            const pages = pagesOf(f.type, new Uint8Array(bytes));
            onFiles((current) => current.map((c) => (c === f ? { ...c, pages } : c)));
          },
          () => onFiles((current) => current.map((c) => (c === f ? { ...c, pages: null } : c))),
        );
  };
  const remove = (file: FaxFile) => {
    if (file.preview) URL.revokeObjectURL(file.preview);
    onFiles((current) => current.filter((c) => c !== file));
  };
  const total = files.reduce((n, f) => n + (f.pages ?? 0), 0);
  const counting = files.some((f) => f.pages === undefined);

  return (
    <>
      <label>
        {t('fax.files')}
        <input
          type="file"
          name="fax-files"
          multiple
          accept="application/pdf,image/png,image/jpeg,image/tiff,.pdf,.png,.jpg,.jpeg,.tif,.tiff"
          aria-describedby="fax-limits"
          onChange={(e) => {
            const input = e.target as HTMLInputElement;
            add([...(input.files ?? [])]);
            input.value = '';
          }}
        />
      </label>
      <p class="hint" id="fax-limits">
        {t('fax.limits', {
          file: FAX_MAX_FILE_BYTES / MB,
          total: FAX_MAX_TOTAL_BYTES / MB,
          pages: FAX_MAX_PAGES,
        })}
      </p>
      {files.length > 0 && (
        <ul class="attached fax-files" aria-label={t('fax.chosen')}>
          {files.map((f) => (
            <li data-name={f.name}>
              <span class="name">{f.name}</span>{' '}
              <span class="pages">
                {f.pages === undefined
                  ? t('fax.counting')
                  : f.pages === null
                    ? t('fax.pagesUnknown')
                    : f.pages === 1
                      ? t('fax.onePage')
                      : t('list.pages', { n: f.pages })}
              </span>{' '}
              <button
                type="button"
                class="link"
                aria-label={t('fax.removeFile', { name: f.name })}
                onClick={() => remove(f)}
              >
                {t('compose.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {files.length > 0 && !counting && (
        <p class="fax-total" aria-live="polite">
          {t('fax.totalPages', { n: total + (cover.style === 'standard' ? 1 : 0) })}
        </p>
      )}
      {files.some((f) => f.preview) && (
        <div class="fax-preview" aria-label={t('fax.preview')} role="group">
          {files
            .filter((f) => f.preview)
            .map((f) => (
              <img src={f.preview} alt={f.name} />
            ))}
        </div>
      )}
      <fieldset class="fax-cover">
        <legend>{t('fax.cover')}</legend>
        <label class="inline">
          <input
            type="radio"
            name="cover"
            value="none"
            checked={cover.style === 'none'}
            onChange={() => onCover({ ...cover, style: 'none' })}
          />
          {t('fax.coverNone')}
        </label>
        <label class="inline">
          <input
            type="radio"
            name="cover"
            value="standard"
            checked={cover.style === 'standard'}
            onChange={() => onCover({ ...cover, style: 'standard' })}
          />
          {t('fax.coverStandard')}
        </label>
        {cover.style === 'standard' && (
          <>
            <label>
              {t('fax.senderName')}
              <input
                type="text"
                name="cover-sender"
                maxLength={100}
                value={cover.senderName}
                onInput={(e) =>
                  onCover({ ...cover, senderName: (e.target as HTMLInputElement).value })
                }
              />
            </label>
            <label>
              {t('fax.recipientName')}
              <input
                type="text"
                name="cover-recipient"
                maxLength={100}
                value={cover.recipientName}
                onInput={(e) =>
                  onCover({ ...cover, recipientName: (e.target as HTMLInputElement).value })
                }
              />
            </label>
            <label>
              {t('fax.coverNote')}
              <textarea
                name="cover-note"
                rows={4}
                maxLength={1000}
                value={cover.note}
                onInput={(e) =>
                  onCover({ ...cover, note: (e.target as HTMLTextAreaElement).value })
                }
              />
            </label>
          </>
        )}
      </fieldset>
      <div class="fax-render">
        <button
          type="button"
          onClick={showPreview}
          disabled={rendering || files.length === 0 || counting}
        >
          {t('fax.showPreview')}
        </button>
        {rendering && <progress aria-label={t('fax.rendering')} />}
        {preview && (
          <section class="fax-rendered" aria-label={t('fax.preview')}>
            <p>
              {preview.images.length < preview.pages
                ? t('fax.previewFirst', { n: preview.images.length, total: preview.pages })
                : t('fax.previewAll', { total: preview.pages })}
            </p>
            <ol>
              {preview.images.map((src, i) => (
                <li>
                  <img src={src} alt={t('fax.page', { n: i + 1, total: preview.pages })} />
                </li>
              ))}
            </ol>
          </section>
        )}
      </div>
    </>
  );
}
