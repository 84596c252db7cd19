import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaxDocument } from '../channels/sip/fax-resource.js';
import type { Config } from '../config/config.js';
import type { SendRequest } from '../core/delivery.js';
import type { Directory } from '../directory/directory.js';
import { FAX_COVER_TYPE, faxDocument, parseCoverChoice } from '../media/cover-page.js';
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

/**
 * A message as the fax resource sends it: its documents and pictures in the order they were
 * attached (PDF as they are; TIFF and pictures made into PDF by the media converters), or its
 * text when it has none; the cover page in front in the sender's language, unless the sender
 * chose none (the cover part compose keeps); then fax pages (G3 TIFF F) in a file of its own
 * under the data folder.
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
      const pdfs: Buffer[] = [];
      for (const part of chosen)
        pdfs.push(
          part.contentType.startsWith('application/pdf')
            ? await request.part(part.index)
            : await request.rendition(part.index, 'application/pdf'),
        );
      const number = delivery.recipient.replace(/^tel:/, '');
      const covered = await faxDocument(
        pdfs,
        choice?.style === 'none'
          ? null
          : {
              to: choice?.recipientName ? `${choice.recipientName}, ${number}` : number,
              from:
                choice?.senderName ??
                sender?.name ??
                message.from.replace(/^(tel|mailto|sip):/, ''),
              subject: message.subject,
              comments: choice?.note ?? null,
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
