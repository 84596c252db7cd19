import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';

export interface CoverFields {
  to: string;
  from: string;
  subject?: string | null;
  /** Pages that follow the cover. */
  pages: number;
  comments?: string | null;
  date?: Date;
}

/**
 * What the sender chose for a fax's cover page, kept with the message as an inline part of this
 * type (JSON), so that the fax resource finds it when it sends, attempt after attempt.
 */
export const FAX_COVER_TYPE = 'application/vnd.switchboard.fax-cover+json';

export interface FaxCoverChoice {
  /** `none`: the document alone; `standard`: the cover page in front (the default). */
  style: 'none' | 'standard';
  note?: string;
  senderName?: string;
  recipientName?: string;
}

/** The stored choice, or null when the part is unreadable (the standard cover is used then). */
export function parseCoverChoice(content: Buffer): FaxCoverChoice | null {
  try {
    const v = JSON.parse(content.toString('utf8')) as Record<string, unknown>;
    if (v['style'] !== 'none' && v['style'] !== 'standard') return null;
    const text = (k: string) => (typeof v[k] === 'string' && v[k] ? { [k]: v[k] } : {});
    return {
      style: v['style'],
      ...text('note'),
      ...text('senderName'),
      ...text('recipientName'),
    } as FaxCoverChoice;
  } catch {
    return null;
  }
}

const LABELS: Record<string, Record<string, string>> = {
  en: {
    title: 'FAX',
    to: 'To',
    from: 'From',
    subject: 'Subject',
    pages: 'Pages',
    date: 'Date',
    comments: 'Comments',
    note: 'including this cover page',
  },
  de: {
    title: 'TELEFAX',
    to: 'An',
    from: 'Von',
    subject: 'Betreff',
    pages: 'Seiten',
    date: 'Datum',
    comments: 'Bemerkungen',
    note: 'einschließlich dieses Deckblatts',
  },
};

/**
 * A fax cover page from the usual template (seed 001's fax resource sends one in front of a
 * document): to, from, subject, pages, date and comments, large enough to survive fax resolution.
 */
export async function coverPage(fields: CoverFields, language = 'en'): Promise<Buffer> {
  const l = LABELS[language.split('-')[0]!] ?? LABELS.en!;
  const doc = await PDFDocument.create();
  const page = doc.addPage([595.28, 841.89]);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const safe = (s: string) =>
    [...s].map((ch) => (/[\x20-\x7e\xa0-\xff]/.test(ch) ? ch : '?')).join('');
  page.drawText(l.title!, { x: 56, y: 760, size: 40, font: bold });
  page.drawLine({
    start: { x: 56, y: 745 },
    end: { x: 539, y: 745 },
    thickness: 2,
    color: rgb(0, 0, 0),
  });
  const rows: Array<[string, string]> = [
    [l.to!, fields.to],
    [l.from!, fields.from],
    [l.subject!, fields.subject ?? ''],
    [l.pages!, `${fields.pages + 1} (${l.note})`],
    [l.date!, (fields.date ?? new Date()).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'],
  ];
  rows.forEach(([label, value], i) => {
    const y = 690 - i * 40;
    page.drawText(`${label}:`, { x: 56, y, size: 18, font: bold });
    page.drawText(safe(value), { x: 190, y, size: 18, font: regular });
  });
  if (fields.comments) {
    page.drawText(`${l.comments}:`, { x: 56, y: 450, size: 18, font: bold });
    // Lines first: safe() would make each line break a "?".
    fields.comments
      .split(/\r?\n/)
      .slice(0, 15)
      .forEach((line, i) =>
        page.drawText(safe(line).slice(0, 60), {
          x: 56,
          y: 420 - i * 24,
          size: 16,
          font: regular,
        }),
      );
  }
  return Buffer.from(await doc.save());
}

/** The cover in front of a PDF document: what the fax resource converts and sends. */
export async function withCover(
  document: Buffer,
  fields: Omit<CoverFields, 'pages'>,
  language = 'en',
): Promise<Buffer> {
  return faxDocument([document], fields, language);
}

/**
 * PDF documents as one fax, in order, with a cover page in front unless `cover` is null (the
 * sender chose none). The cover counts the pages that follow it.
 */
export async function faxDocument(
  documents: Buffer[],
  cover: Omit<CoverFields, 'pages'> | null,
  language = 'en',
): Promise<Buffer> {
  const bodies = await Promise.all(documents.map((d) => PDFDocument.load(d)));
  const pages = bodies.reduce((n, b) => n + b.getPageCount(), 0);
  const out = cover
    ? await PDFDocument.load(await coverPage({ ...cover, pages }, language))
    : await PDFDocument.create();
  for (const body of bodies)
    for (const p of await out.copyPages(body, body.getPageIndices())) out.addPage(p);
  return Buffer.from(await out.save());
}
