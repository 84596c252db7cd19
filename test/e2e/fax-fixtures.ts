import { execFileSync } from 'node:child_process';
import sharp from 'sharp';

/** A PDF or PostScript document as fax pages, the way the media converters make them (ghostscript:tiffg3). */
export function faxPagesOf(input: string, output: string): void {
  execFileSync('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=tiffg3',
    '-r204x196',
    '-g1728x2292',
    '-dFIXEDMEDIA',
    '-dPDFFitPage',
    `-sOutputFile=${output}`,
    input,
  ]);
}

/** One page of a TIFF as 1-channel pixels, and its width. */
export async function tiffPage(tiff: Buffer, n: number): Promise<{ data: Buffer; width: number }> {
  const { data, info } = await sharp(tiff, { page: n })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width };
}

/** The share of pixels one page has black and the other white (1 when their sizes differ). */
export function pixelDifference(a: { data: Buffer }, b: { data: Buffer }): number {
  if (a.data.length !== b.data.length) return 1;
  let differ = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i]! < 128 !== b.data[i]! < 128) differ++;
  return differ / a.data.length;
}

/**
 * The share of black pixels in a region of a page, the region given as fractions of its width
 * and height ([from, to]).
 */
export function blackShare(
  page: { data: Buffer; width: number },
  x: [number, number],
  y: [number, number],
): number {
  const height = page.data.length / page.width;
  const [x0, x1] = x.map((f) => Math.round(f * page.width));
  const [y0, y1] = y.map((f) => Math.round(f * height));
  let black = 0;
  for (let row = y0!; row < y1!; row++)
    for (let col = x0!; col < x1!; col++) if (page.data[row * page.width + col]! < 128) black++;
  return black / ((x1! - x0!) * (y1! - y0!));
}

/** The text on one page of a TIFF, read by tesseract (Debian, English), spaces made single. */
export async function ocrPage(tiff: Buffer, n: number): Promise<string> {
  const png = await sharp(tiff, { page: n }).png().toBuffer();
  return execFileSync('tesseract', ['stdin', 'stdout'], { input: png, stdio: 'pipe' })
    .toString('utf8')
    .replace(/[ \t]+/g, ' ');
}
