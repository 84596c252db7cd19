import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaxDocument } from '../channels/sip/fax-resource.js';
import type { Config } from '../config/config.js';
import type { SendRequest } from '../core/delivery.js';
import { invalid } from '../core/errors.js';
import type { MediaConverter } from '../core/ports.js';
import type { Directory } from '../directory/directory.js';
import {
  FAX_COVER_TYPE,
  faxDocument,
  parseCoverChoice,
  type CoverFields,
  type FaxCoverChoice,
} from '../media/cover-page.js';
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

/**
 * A note's paragraphs broken into the cover's lines at spaces, so that a long line (an email's
 * body is often one line a paragraph) goes on rather than being cut off at the cover's edge.
 */
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

/** What the cover page says, from the sender's choice; null when they chose none. */
function coverFields(
  choice: FaxCoverChoice | null,
  recipient: string,
  senderName: string,
  subject: string | null,
  note: string | null,
): Omit<CoverFields, 'pages'> | null {
  if (choice?.style === 'none') return null;
  const number = recipient.replace(/^tel:/, '');
  return {
    to: choice?.recipientName ? `${choice.recipientName}, ${number}` : number,
    from: choice?.senderName ?? senderName,
    subject,
    comments: note === null ? null : coverNote(note),
  };
}

/**
 * A message as the fax resource sends it: its documents and pictures in the order they were
 * attached (PDF as they are; TIFF and pictures made into PDF by the media converters), or its
 * text when it has none; the cover page in front in the sender's language (its note the one
 * compose keeps in the cover part, else the text beside the documents), unless the sender chose
 * none; then fax pages (G3 TIFF F) in a file of its own under the data folder.
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
    const coverPart = originals.find((p) => p.contentType.startsWith(FAX_COVER_TYPE));
    const sender = delivery.subscriberId
      ? await deps.directory.lookup(delivery.subscriberId).catch(() => null)
      : null;
    try {
      const choice = coverPart ? parseCoverChoice(await request.part(coverPart.index)) : null;
      // Beside documents, the message's text is the cover note (a mail to fax's body).
      const text = chosen.every((p) => faxable(p.contentType) < 3)
        ? documents.find((p) => faxable(p.contentType) === 3)
        : undefined;
      const note =
        choice?.note ?? (text ? (await request.part(text.index)).toString('utf8') : null);
      const pdfs: Buffer[] = [];
      for (const part of chosen)
        pdfs.push(
          part.contentType.startsWith('application/pdf')
            ? await request.part(part.index)
            : await request.rendition(part.index, 'application/pdf'),
        );
      const covered = await faxDocument(
        pdfs,
        coverFields(
          choice,
          delivery.recipient,
          sender?.name ?? message.from.replace(/^(tel|mailto|sip):/, ''),
          message.subject,
          note,
        ),
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

/** The first pages of a fax not sent yet, as the machine will get them: for the web app's preview. */
export interface FaxPreview {
  /** Pages in all, the cover included. */
  pages: number;
  /** PNG pictures of the first pages (fax resolution, square pixels). */
  images: Buffer[];
}

/**
 * Renders a fax before it is sent, made exactly as the fax resource makes it (documents to PDF,
 * the cover in front, fax pages with ghostscript), then its first `maxImages` pages as PNG.
 */
export function faxPreview(deps: { media: MediaConverter }) {
  return async (fax: {
    documents: Array<{ contentType: string; content: Buffer }>;
    cover: FaxCoverChoice | null;
    recipient: string;
    senderName: string;
    subject: string | null;
    language: string;
    maxImages: number;
  }): Promise<FaxPreview> => {
    const pdfs: Buffer[] = [];
    for (const d of fax.documents)
      pdfs.push(
        d.contentType.startsWith('application/pdf')
          ? d.content
          : (await deps.media.convert(d.content, d.contentType, 'application/pdf', {})).content,
      );
    const covered = await faxDocument(
      pdfs,
      coverFields(fax.cover, fax.recipient, fax.senderName, fax.subject, fax.cover?.note ?? null),
      fax.language,
    ).catch((err: Error) => {
      // pdf-lib's word on a file that only claims to be a PDF: the sender's problem, not ours.
      throw invalid(`the documents cannot be made into fax pages: ${err.message}`);
    });
    const tiff = (
      await deps.media.convert(covered, 'application/pdf', 'image/tiff;application=faxg3', {})
    ).content;
    const pages = documentPages('image/tiff', tiff) ?? 1;
    const images: Buffer[] = [];
    for (let n = 1; n <= Math.min(pages, fax.maxImages); n++)
      images.push(
        (
          await deps.media.convert(
            tiff,
            'image/tiff;application=faxg3',
            n > 1 ? `image/png;page=${n}` : 'image/png',
            {},
          )
        ).content,
      );
    return { pages, images };
  };
}
