import { readWav } from './wav.js';

/**
 * How long a recording plays, read from its bytes without decoding: the WAV header's data size
 * and byte rate, or the fixed bit rate of a raw telephony codec. Null when the bytes do not say.
 */
export function audioDurationMs(contentType: string, content: Buffer): number | null {
  const type = contentType.toLowerCase().split(';')[0]!.trim();
  switch (type) {
    case 'audio/32kadpcm':
      // G.726-32: 4 bits a sample at 8 kHz, so 4 bytes a millisecond.
      return Math.round(content.length / 4);
    case 'audio/gsm':
      // GSM 06.10: a 33-byte frame every 20 ms.
      return Math.floor(content.length / 33) * 20;
    case 'audio/basic':
    case 'audio/pcmu':
    case 'audio/pcma':
      return Math.round(content.length / 8);
    case 'audio/wav':
    case 'audio/wave':
    case 'audio/x-wav':
    case 'audio/vnd.wave':
      return wavDurationMs(content);
    default:
      return null;
  }
}

/** The data size over the byte rate the header gives. */
function wavDurationMs(content: Buffer): number | null {
  const wav = readWav(content);
  return wav?.byteRate ? Math.round((wav.data.length * 1000) / wav.byteRate) : null;
}
