/**
 * How many pages a fax document has, read from its structure without rendering it: the IFD
 * chain of a TIFF, the page objects of a PDF. Null when the bytes do not say.
 */
export function documentPages(contentType: string, content: Buffer): number | null {
  const type = contentType.toLowerCase();
  if (type.startsWith('image/tiff')) return tiffPages(content);
  if (type.startsWith('application/pdf')) return pdfPages(content);
  return null;
}

function tiffPages(tiff: Buffer): number | null {
  if (tiff.length < 8) return null;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return null;
  let pages = 0;
  const seen = new Set<number>();
  // Each IFD is a page; a loop in the chain (broken or hostile files) ends the count.
  for (let ifd = u32(4); ifd !== 0 && !seen.has(ifd); pages++) {
    if (ifd + 2 > tiff.length) return pages || null;
    seen.add(ifd);
    const entries = u16(ifd);
    const next = ifd + 2 + entries * 12;
    if (next + 4 > tiff.length) return pages + 1;
    ifd = u32(next);
  }
  return pages || null;
}

function pdfPages(pdf: Buffer): number | null {
  const text = pdf.toString('latin1');
  const pages = text.match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0;
  return pages || null;
}
