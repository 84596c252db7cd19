import { useState } from 'preact/hooks';
import { partUrl, type Message, type Part } from '../api';
import { useI18n } from '../i18n';

const ZOOMS = [0.5, 0.75, 1, 1.5, 2];

/** A fax as page images (rendered to PNG on the server), with page navigation, zoom and PDF. */
export function FaxPages({ message, part }: { message: Message; part: Part }) {
  const { t } = useI18n();
  const total = Math.max(1, message.pages ?? 1);
  const [page, setPage] = useState(1);
  const [zoom, setZoom] = useState(2);
  const go = (n: number) => setPage(Math.min(total, Math.max(1, n)));
  return (
    <section
      class="fax"
      aria-label={t('fax.page', { n: page, total })}
      tabIndex={0}
      onKeyDown={(e) => {
        if (e.key === 'PageDown' || e.key === 'ArrowRight') go(page + 1);
        if (e.key === 'PageUp' || e.key === 'ArrowLeft') go(page - 1);
      }}
    >
      <div class="fax-controls" role="toolbar">
        <button
          type="button"
          onClick={() => go(page - 1)}
          disabled={page <= 1}
          aria-label={t('fax.previous')}
        >
          ‹
        </button>
        <span class="page-number" aria-live="polite">
          {t('fax.page', { n: page, total })}
        </span>
        <button
          type="button"
          onClick={() => go(page + 1)}
          disabled={page >= total}
          aria-label={t('fax.next')}
        >
          ›
        </button>
        <button
          type="button"
          onClick={() => setZoom(Math.max(0, zoom - 1))}
          aria-label={t('fax.zoomOut')}
        >
          −
        </button>
        <button
          type="button"
          onClick={() => setZoom(Math.min(ZOOMS.length - 1, zoom + 1))}
          aria-label={t('fax.zoomIn')}
        >
          +
        </button>
        <a href={partUrl(message.id, part.index, { format: 'application/pdf', download: true })}>
          {t('message.downloadPdf')}
        </a>
      </div>
      <div class="fax-page" style={{ '--zoom': String(ZOOMS[zoom]) }}>
        <img
          src={partUrl(message.id, part.index, {
            format: page > 1 ? `image/png;page=${page}` : 'image/png',
          })}
          alt={t('fax.page', { n: page, total })}
          data-page={page}
        />
      </div>
    </section>
  );
}
