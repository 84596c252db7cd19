import sharp from 'sharp';
import { ConversionError, type Converter } from '../converter.js';

/** Fax fine resolution is 204 x 196 dpi: pixels are a little taller than wide. */
const FAX_WIDTH = 1728;
const ASPECT = 196 / 204;

/** One fax page as a PNG with square pixels, for the web app's fax viewer. */
function faxPng(from: string, aspect: number): Converter {
  return {
    id: 'sharp:fax-png',
    from,
    to: 'image/png',
    cost: 2,
    async convert(input, output, { page }) {
      const pages = (await sharp(input).metadata()).pages ?? 1;
      if (page > pages)
        throw new ConversionError(
          `the fax has ${pages} pages; there is no page ${page}`,
          'bad-input',
        );
      const image = sharp(input, { page: page - 1, limitInputPixels: 1728 * 4000 });
      const { width = FAX_WIDTH, height = 2292 } = await image.metadata();
      await image
        .resize(width, Math.round(height / aspect), { fit: 'fill' })
        .png({ compressionLevel: 9 })
        .toFile(output);
    },
  };
}
export const faxG3Png = faxPng('image/tiff;application=faxg3', ASPECT);
export const faxG3NormalPng = faxPng('image/tiff;application=faxg3;resolution=normal', 98 / 204);
export const faxG4Png = faxPng('image/tiff;application=faxg4', ASPECT);

/** A picture as a fax page: 1728 pixels wide, black and white, G4 (T.6) compressed. */
function imageFax(from: string): Converter {
  return {
    id: 'sharp:image-fax',
    from,
    to: 'image/tiff;application=faxg4',
    cost: 3,
    async convert(input, output) {
      const image = sharp(input, { limitInputPixels: 50_000_000 })
        .rotate()
        .flatten({ background: '#ffffff' });
      const { width = FAX_WIDTH, height = FAX_WIDTH } = await image.metadata();
      const faxHeight = Math.round((height / width) * FAX_WIDTH * ASPECT);
      await image
        .resize(FAX_WIDTH, faxHeight, { fit: 'fill' })
        .greyscale()
        .threshold(160)
        .toColourspace('b-w')
        .tiff({ compression: 'ccittfax4', bitdepth: 1, xres: 204 / 25.4, yres: 196 / 25.4 })
        .toFile(output);
    },
  };
}
export const pngFax = imageFax('image/png');
export const jpegFax = imageFax('image/jpeg');
