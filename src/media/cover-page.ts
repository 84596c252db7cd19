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
    safe(fields.comments)
      .split('\n')
      .slice(0, 15)
      .forEach((line, i) =>
        page.drawText(line.slice(0, 60), { x: 56, y: 420 - i * 24, size: 16, font: regular }),
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
  const body = await PDFDocument.load(document);
  const out = await PDFDocument.load(
    await coverPage({ ...fields, pages: body.getPageCount() }, language),
  );
  for (const p of await out.copyPages(body, body.getPageIndices())) out.addPage(p);
  return Buffer.from(await out.save());
}
