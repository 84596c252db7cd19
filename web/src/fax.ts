/**
 * Faxes in the web app: what can be faxed and how much (the limits compose checks before it
 * sends), page counts read in the browser, fax numbers, and how far a sent fax has got.
 */

/** The largest file one fax takes, and all its files together (the server's message limit is 25 MB). */
export const FAX_MAX_FILE_BYTES = 10 * 1024 * 1024;
export const FAX_MAX_TOTAL_BYTES = 20 * 1024 * 1024;
/** Most pages of one fax, the cover not counted: at about 30 s a page, a call of 25 minutes. */
export const FAX_MAX_PAGES = 50;

/** The media types a fax is made of, by what the browser says or, failing that, the file name. */
export function faxableType(file: { name: string; type: string }): string | null {
  const type = file.type.toLowerCase();
  if (['application/pdf', 'image/png', 'image/jpeg', 'image/tiff'].includes(type)) return type;
  const ext = /\.([a-z]+)$/i.exec(file.name)?.[1]?.toLowerCase();
  if (ext === 'pdf') return 'application/pdf';
  if (ext === 'png') return 'image/png';
  if (ext === 'jpg' || ext === 'jpeg') return 'image/jpeg';
  if (ext === 'tif' || ext === 'tiff') return 'image/tiff';
  return null;
}

/**
 * How many pages a file makes, read from its structure as the server does (src/media/pages.ts):
 * a picture is one page, a TIFF one per image, a PDF one per page object. Null when the bytes
 * do not say (a PDF with compressed object streams).
 */
export function pagesOf(type: string, bytes: Uint8Array): number | null {
  if (type.startsWith('image/png') || type.startsWith('image/jpeg')) return 1;
  if (type.startsWith('image/tiff')) return tiffPages(bytes);
  if (type.startsWith('application/pdf')) {
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return text.match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length || null;
  }
  return null;
}

function tiffPages(b: Uint8Array): number | null {
  if (b.length < 8) return null;
  const le = b[0] === 0x49 && b[1] === 0x49;
  if (!le && !(b[0] === 0x4d && b[1] === 0x4d)) return null;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (at: number) => view.getUint16(at, le);
  const u32 = (at: number) => view.getUint32(at, le);
  if (u16(2) !== 42) return null;
  let pages = 0;
  const seen = new Set<number>();
  // Each IFD is a page; a loop in the chain (a broken file) ends the count.
  for (let ifd = u32(4); ifd !== 0 && !seen.has(ifd); pages++) {
    if (ifd + 2 > b.length) return pages || null;
    seen.add(ifd);
    const next = ifd + 2 + u16(ifd) * 12;
    if (next + 4 > b.length) return pages + 1;
    ifd = u32(next);
  }
  return pages || null;
}

/**
 * A fax number as the API takes it (`tel:+4930...`), or null when it is not one: the
 * international form, + and the country code, 7 to 15 digits; spaces, dots, dashes, slashes
 * and brackets may separate them.
 */
export function faxNumber(input: string): string | null {
  const compact = input
    .trim()
    .replace(/^tel:/i, '')
    .replace(/[\s()./-]/g, '');
  return /^\+[1-9][0-9]{6,14}$/.test(compact) ? `tel:${compact}` : null;
}

/** A delivery as GET /deliveries shows it to its sender. */
export interface Delivery {
  id: string;
  messageId: string;
  recipient: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  errorLog: Array<{ at: string; attempt: number; error: string }>;
  createdAt: string;
  finishedAt: string | null;
}

export type FaxState = 'queued' | 'retrying' | 'sending' | 'delivered' | 'failed';

/**
 * Where a sent fax is, from its delivery's status: waiting its turn (pending, ready, held, or
 * scheduled), waiting to be tried again after a failed attempt (deferred), on the line
 * (exchanged with the fax resource), delivered, or failed for good (failed, expired).
 */
export function faxState(d: Delivery): FaxState {
  if (d.status === 'S') return 'delivered';
  if (d.status === 'F' || d.status === 'E') return 'failed';
  if (d.status === 'X' || d.status === 'A') return 'sending';
  if (d.status === 'D') return 'retrying';
  return 'queued';
}

/**
 * A received fax's sending station id and whether it stopped mid-document, read from the
 * subject the server gives it (`Fax from <station id>`, then `(incomplete: <status>)`).
 */
export function receivedFax(
  subject: string | null,
): { station: string; incomplete: string | null } | null {
  const m = /^Fax from (.+?)(?: \(incomplete: (.*)\))?$/.exec(subject ?? '');
  return m ? { station: m[1]!, incomplete: m[2] ?? null } : null;
}
