import { readFile, writeFile } from 'node:fs/promises';
import { convert as htmlToText } from 'html-to-text';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { Converter } from '../converter.js';
import { ConversionError } from '../converter.js';
import { runTool } from '../run-tool.js';

/** HTML to readable text: links kept in brackets, no images, scripts or styles. */
export const htmlText: Converter = {
  id: 'html-to-text',
  from: 'text/html',
  to: 'text/plain',
  cost: 1,
  async convert(input, output) {
    const html = await readFile(input, 'utf8');
    await writeFile(
      output,
      htmlToText(html, { wordwrap: 100, selectors: [{ selector: 'img', format: 'skip' }] }),
    );
  },
};

/** Text to PDF: A4 pages of Helvetica, lines wrapped; characters outside WinAnsi become "?". */
export const textPdf: Converter = {
  id: 'pdf-lib:text',
  from: 'text/plain',
  to: 'application/pdf',
  cost: 2,
  async convert(input, output, { limits }) {
    const text = (await readFile(input, 'utf8')).replace(/\r\n?/g, '\n').replace(/\t/g, '    ');
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const size = 11;
    const [width, height, margin] = [595.28, 841.89, 56];
    const safe = (s: string) =>
      [...s].map((ch) => (/[\x20-\x7e\xa0-\xff]/.test(ch) ? ch : '?')).join('');
    const lines: string[] = [];
    for (const paragraph of text.split('\n')) {
      let line = '';
      for (const word of safe(paragraph).split(' ')) {
        const next = line ? `${line} ${word}` : word;
        if (font.widthOfTextAtSize(next, size) > width - 2 * margin && line) {
          lines.push(line);
          line = word;
        } else line = next;
      }
      lines.push(line);
    }
    const perPage = Math.floor((height - 2 * margin) / (size * 1.4));
    for (let i = 0; i < Math.max(1, lines.length); i += perPage) {
      if (doc.getPageCount() >= limits.maxPages)
        throw new ConversionError(`the text needs more than ${limits.maxPages} pages`, 'limit');
      const page = doc.addPage([width, height]);
      lines
        .slice(i, i + perPage)
        .forEach((l, j) =>
          page.drawText(l, { x: margin, y: height - margin - (j + 1) * size * 1.4, size, font }),
        );
    }
    await writeFile(output, await doc.save());
  },
};

/**
 * PDF to fax TIFF with ghostscript: 1728 pixels wide at fine resolution (204 x 196 dpi), A4,
 * each page fitted. Ghostscript runs in SAFER mode; past maxPages the result is refused.
 */
function pdfFax(
  device: 'tiffg3' | 'tiffg4',
  to: string,
  resolution: 'fine' | 'normal' = 'fine',
): Converter {
  // Normal resolution halves the lines: 98 dpi vertically, 1146 lines for A4.
  const [dpi, size] = resolution === 'fine' ? ['204x196', '1728x2292'] : ['204x98', '1728x1146'];
  return {
    id: `ghostscript:${device}${resolution === 'normal' ? ':normal' : ''}`,
    from: 'application/pdf',
    to,
    cost: 4,
    async convert(input, output, { limits, signal }) {
      await runTool(
        'gs',
        [
          '-q',
          '-dSAFER',
          '-dBATCH',
          '-dNOPAUSE',
          `-sDEVICE=${device}`,
          `-r${dpi}`,
          `-g${size}`,
          '-dFIXEDMEDIA',
          '-dPDFFitPage',
          `-dLastPage=${limits.maxPages + 1}`,
          `-sOutputFile=${output}`,
          input,
        ],
        { timeoutMs: limits.timeoutMs, signal },
      );
      const pages = await tiffPages(output, limits.timeoutMs);
      if (pages > limits.maxPages)
        throw new ConversionError(`the document has more than ${limits.maxPages} pages`, 'limit');
    },
  };
}
export const pdfFaxG3 = pdfFax('tiffg3', 'image/tiff;application=faxg3');
export const pdfFaxG4 = pdfFax('tiffg4', 'image/tiff;application=faxg4');
export const pdfFaxG3Normal = pdfFax(
  'tiffg3',
  'image/tiff;application=faxg3;resolution=normal',
  'normal',
);

/** Pages in a TIFF, counted with libtiff's tiffinfo. */
export async function tiffPages(file: string, timeoutMs: number): Promise<number> {
  const { stdout } = await runTool('tiffinfo', [file], { timeoutMs });
  return (stdout.toString().match(/^TIFF Directory at offset/gm) ?? []).length;
}

/** Fax TIFF to PDF with libtiff's tiff2pdf, one PDF page per fax page. */
function tiffPdf(from: string): Converter {
  return {
    id: 'tiff2pdf',
    from,
    to: 'application/pdf',
    cost: 2,
    async convert(input, output, { limits, signal }) {
      if ((await tiffPages(input, limits.timeoutMs)) > limits.maxPages)
        throw new ConversionError(`the fax has more than ${limits.maxPages} pages`, 'limit');
      await runTool('tiff2pdf', ['-o', output, input], { timeoutMs: limits.timeoutMs, signal });
    },
  };
}
export const tiffG3Pdf = tiffPdf('image/tiff;application=faxg3');
export const tiffG4Pdf = tiffPdf('image/tiff;application=faxg4');
export const tiffG3NormalPdf = tiffPdf('image/tiff;application=faxg3;resolution=normal');

/** Between G3 and G4 with libtiff's tiffcp. */
function tiffRecode(from: string, to: string, scheme: string): Converter {
  return {
    id: `tiffcp:${scheme}`,
    from,
    to,
    cost: 1,
    async convert(input, output, { limits, signal }) {
      await runTool('tiffcp', ['-c', scheme, input, output], {
        timeoutMs: limits.timeoutMs,
        signal,
      });
    },
  };
}
export const g3ToG4 = tiffRecode(
  'image/tiff;application=faxg3',
  'image/tiff;application=faxg4',
  'g4',
);
export const g4ToG3 = tiffRecode(
  'image/tiff;application=faxg4',
  'image/tiff;application=faxg3',
  'g3:2d',
);

/** OCR of fax pages with tesseract (English model from Debian): a fax becomes searchable text. */
export const faxOcr: Converter = {
  id: 'tesseract',
  from: 'image/tiff;application=faxg3',
  to: 'text/plain',
  cost: 8,
  async convert(input, output, { limits, signal }) {
    const { stdout } = await runTool('tesseract', [input, 'stdout', '-l', 'eng', '--psm', '3'], {
      timeoutMs: limits.timeoutMs,
      signal,
    });
    await writeFile(output, stdout);
  },
};

/** One page of a PDF as a PNG (ghostscript, 100 dpi) for previews; past the last page gs writes nothing. */
export const pdfPng: Converter = {
  id: 'ghostscript:png16m',
  from: 'application/pdf',
  to: 'image/png',
  cost: 3,
  async convert(input, output, { limits, signal, page }) {
    await runTool(
      'gs',
      [
        '-q',
        '-dSAFER',
        '-dBATCH',
        '-dNOPAUSE',
        '-sDEVICE=png16m',
        '-r100',
        `-dFirstPage=${page}`,
        `-dLastPage=${page}`,
        `-sOutputFile=${output}`,
        input,
      ],
      {
        timeoutMs: limits.timeoutMs,
        signal,
      },
    );
  },
};
