import type { Converter } from './converter.js';
import {
  faxOcr,
  g3ToG4,
  g4ToG3,
  htmlText,
  pdfFaxG3,
  pdfFaxG3Normal,
  pdfFaxG4,
  pdfPng,
  textPdf,
  tiffG3Pdf,
  tiffG3NormalPdf,
  tiffG4Pdf,
} from './converters/documents.js';
import { ffmpegAudioConverters } from './converters/ffmpeg-audio.js';
import { faxG3NormalPng, faxG3Png, faxG4Png, jpegFax, pngFax } from './converters/images.js';
import { espeakTts, pocketsphinxAsr } from './converters/speech.js';
import { waveform } from './converters/waveform.js';

/** Every converter Switchboard ships; the planner chains them. */
export function allConverters(): Converter[] {
  return [
    ...ffmpegAudioConverters(),
    espeakTts,
    pocketsphinxAsr,
    waveform,
    htmlText,
    textPdf,
    pdfFaxG3,
    pdfFaxG4,
    pdfFaxG3Normal,
    tiffG3Pdf,
    tiffG3NormalPdf,
    tiffG4Pdf,
    g3ToG4,
    g4ToG3,
    faxOcr,
    pdfPng,
    faxG3Png,
    faxG3NormalPng,
    faxG4Png,
    pngFax,
    jpegFax,
  ];
}
