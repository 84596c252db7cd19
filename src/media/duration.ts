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

/** Walks the RIFF chunks for `fmt ` (byte rate) and `data` (size; clipped to what arrived). */
function wavDurationMs(content: Buffer): number | null {
  if (content.length < 12 || content.toString('latin1', 0, 4) !== 'RIFF') return null;
  if (content.toString('latin1', 8, 12) !== 'WAVE') return null;
  let byteRate = 0;
  for (let at = 12; at + 8 <= content.length;) {
    const id = content.toString('latin1', at, at + 4);
    const size = content.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 16 <= content.length) byteRate = content.readUInt32LE(at + 16);
    if (id === 'data') {
      if (!byteRate) return null;
      const bytes = Math.min(size, content.length - at - 8);
      return Math.round((bytes * 1000) / byteRate);
    }
    at += 8 + size + (size % 2);
  }
  return null;
}
