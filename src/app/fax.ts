import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument } from 'pdf-lib';
import type { FaxDocument } from '../channels/sip/fax-resource.js';
import type { Config } from '../config/config.js';
import type { SendRequest } from '../core/delivery.js';
import type { Directory } from '../directory/directory.js';
import { withCover } from '../media/cover-page.js';
import { SpandspFaxEngine } from '../media/fax-engine.js';
import type { MediaService } from '../media/media-service.js';
import { documentPages } from '../media/pages.js';

/** The fax engine helper that scripts/ensure-fax-engine.sh builds (docs/fax.md). */
const BUILT_FAX_ENGINE = fileURLToPath(
  new URL('../../native/fax/build/switchboard-fax', import.meta.url),
);

export function faxEngine(config: Config): SpandspFaxEngine {
  return new SpandspFaxEngine({ binary: config.faxEngine ?? BUILT_FAX_ENGINE });
}

/** What can be faxed, best first: a document, a picture, then the text of the message. */
function faxable(contentType: string): number {
  if (contentType.startsWith('application/pdf')) return 0;
  if (contentType.startsWith('image/tiff')) return 1;
  if (contentType.startsWith('image/')) return 2;
  if (contentType.startsWith('text/plain')) return 3;
  return -1;
}

/** The cover page shows a note of up to 15 lines of 60 characters. */
const NOTE_LINE_CHARS = 60;

/** A note's paragraphs broken into the cover's lines at spaces, so no word is cut off. */
function coverNote(text: string): string | null {
  const lines: string[] = [];
  for (const paragraph of text.trim().split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > NOTE_LINE_CHARS) {
        lines.push(line);
        line = '';
      }
      line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines.join('\n').trim() || null;
}

/** Documents one after the other, as one PDF. */
async function joined(pdfs: Buffer[]): Promise<Buffer> {
  if (pdfs.length === 1) return pdfs[0]!;
  const out = await PDFDocument.create();
  for (const pdf of pdfs) {
    const doc = await PDFDocument.load(pdf);
    for (const page of await out.copyPages(doc, doc.getPageIndices())) out.addPage(page);
  }
  return Buffer.from(await out.save());
}

/**
 * A message as the fax resource sends it: its documents and pictures in the order they were
 * attached (PDF as they are; TIFF and pictures made into PDF by the media converters), or its
 * text when it has none; the cover page in front in the sender's language, with the message's
 * text (an email's body) as its note beside documents; then fax pages (G3 TIFF F) in a file of
 * its own under the data folder.
 */
export function faxDocuments(deps: {
  config: Config;
  media: MediaService;
  directory: Directory;
}): (request: SendRequest) => Promise<FaxDocument | { error: string }> {
  const folder = join(deps.config.dataDir, 'fax-out');
  return async (request) => {
    const { message, delivery } = request;
    const originals = message.parts.filter((p) => p.derivedFrom === null);
    const documents = originals.filter((p) => faxable(p.contentType) >= 0);
    const chosen = documents.some((p) => faxable(p.contentType) < 3)
      ? documents.filter((p) => faxable(p.contentType) < 3)
      : documents.slice(0, 1);
    if (chosen.length === 0) return { error: `a ${message.type} message with nothing to fax` };
    // Beside documents, the message's own text is the cover's note (not a page of its own).
    const text = chosen.some((p) => faxable(p.contentType) < 3)
      ? originals.find((p) => p.contentType.startsWith('text/plain') && !p.filename)
      : undefined;
    const sender = delivery.subscriberId
      ? await deps.directory.lookup(delivery.subscriberId).catch(() => null)
      : null;
    try {
      const note = text ? (await request.part(text.index)).toString('utf8') : '';
      const pdfs: Buffer[] = [];
      for (const part of chosen)
        pdfs.push(
          part.contentType.startsWith('application/pdf')
            ? await request.part(part.index)
            : await request.rendition(part.index, 'application/pdf'),
        );
      const covered = await withCover(
        await joined(pdfs),
        {
          to: delivery.recipient.replace(/^tel:/, ''),
          from: sender?.name ?? message.from.replace(/^(tel|mailto|sip):/, ''),
          subject: message.subject,
          comments: coverNote(note),
        },
        sender?.language ?? deps.config.defaultLanguage,
      );
      const tiff = (
        await deps.media.convert(covered, 'application/pdf', 'image/tiff;application=faxg3')
      ).content;
      await mkdir(folder, { recursive: true });
      const file = join(folder, `${Date.now()}-${randomBytes(6).toString('hex')}.tif`);
      await writeFile(file, tiff);
      return {
        file,
        pages: documentPages('image/tiff', tiff) ?? 1,
        dispose: () => rm(file, { force: true }),
      };
    } catch (err) {
      return { error: `the document cannot be made into fax pages: ${(err as Error).message}` };
    }
  };
}
