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
