/**
 * The formats the conversion graph knows, as canonical media types: the base type, then the
 * parameters that matter for conversion (codec, fax compression), sorted. A part's content type
 * maps onto one of these; a client's `?format=` too, through the aliases.
 */
export interface FormatInfo {
  key: string;
  kind: 'audio' | 'text' | 'document' | 'image' | 'data';
  description: string;
  /** File extension for tools that infer the format from it. */
  extension: string;
}

export const FORMATS: readonly FormatInfo[] = [
  {
    key: 'audio/wav',
    kind: 'audio',
    extension: 'wav',
    description: 'Linear PCM WAV, 16 bit (recordings, TTS output)',
  },
  {
    key: 'audio/wav;rate=16000',
    kind: 'audio',
    extension: 'wav',
    description: 'Linear PCM WAV, 16 kHz mono (speech recognition input)',
  },
  {
    key: 'audio/wav;rate=8000',
    kind: 'audio',
    extension: 'wav',
    description: 'Linear PCM WAV, 8 kHz mono (greetings and prompts played on a call)',
  },
  {
    key: 'audio/wav;codec=pcmu',
    kind: 'audio',
    extension: 'wav',
    description: 'G.711 mu-law WAV, 8 kHz (telephony, North America/Japan)',
  },
  {
    key: 'audio/wav;codec=pcma',
    kind: 'audio',
    extension: 'wav',
    description: 'G.711 A-law WAV, 8 kHz (telephony, elsewhere)',
  },
  {
    key: 'audio/gsm',
    kind: 'audio',
    extension: 'gsm',
    description: 'GSM 06.10 full rate, raw, 8 kHz (seed 001 voice compression)',
  },
  {
    key: 'audio/32kadpcm',
    kind: 'audio',
    extension: 'g726',
    description: 'G.726-32 ADPCM, little-endian packing (RFC 3802, VPIM)',
  },
  {
    key: 'audio/ogg;codecs=opus',
    kind: 'audio',
    extension: 'ogg',
    description: 'Opus in Ogg (browsers, voice messenger)',
  },
  {
    key: 'audio/webm;codecs=opus',
    kind: 'audio',
    extension: 'webm',
    description: 'Opus in WebM (browser recordings)',
  },
  { key: 'audio/mpeg', kind: 'audio', extension: 'mp3', description: 'MP3 (email attachments)' },
  { key: 'text/plain', kind: 'text', extension: 'txt', description: 'Plain text, UTF-8' },
  {
    key: 'application/vnd.switchboard.peaks+json',
    kind: 'data',
    extension: 'json',
    description: 'Waveform peaks of a recording and its exact duration, for players',
  },
  { key: 'text/html', kind: 'text', extension: 'html', description: 'HTML' },
  { key: 'application/pdf', kind: 'document', extension: 'pdf', description: 'PDF' },
  {
    key: 'image/tiff;application=faxg3',
    kind: 'image',
    extension: 'tif',
    description: 'Fax TIFF, G3 (T.4 2-D), 1728 pixels wide, fine resolution',
  },
  {
    key: 'image/tiff;application=faxg4',
    kind: 'image',
    extension: 'tif',
    description: 'Fax TIFF, G4 (T.6), 1728 pixels wide, fine resolution',
  },
  {
    key: 'image/png',
    kind: 'image',
    extension: 'png',
    description: 'PNG of the first page of a fax or document',
  },
  { key: 'image/jpeg', kind: 'image', extension: 'jpg', description: 'JPEG' },
];

const BY_KEY = new Map(FORMATS.map((f) => [f.key, f]));

/** Short names a person types. */
const ALIASES: Record<string, string> = {
  wav: 'audio/wav',
  pcm: 'audio/wav',
  slin: 'audio/wav;rate=8000',
  ulaw: 'audio/wav;codec=pcmu',
  mulaw: 'audio/wav;codec=pcmu',
  pcmu: 'audio/wav;codec=pcmu',
  alaw: 'audio/wav;codec=pcma',
  pcma: 'audio/wav;codec=pcma',
  gsm: 'audio/gsm',
  g726: 'audio/32kadpcm',
  opus: 'audio/ogg;codecs=opus',
  ogg: 'audio/ogg;codecs=opus',
  webm: 'audio/webm;codecs=opus',
  mp3: 'audio/mpeg',
  text: 'text/plain',
  txt: 'text/plain',
  html: 'text/html',
  pdf: 'application/pdf',
  tiff: 'image/tiff;application=faxg3',
  fax: 'image/tiff;application=faxg3',
  g3: 'image/tiff;application=faxg3',
  g4: 'image/tiff;application=faxg4',
  'fax-normal': 'image/tiff;application=faxg3;resolution=normal',
  png: 'image/png',
  peaks: 'application/vnd.switchboard.peaks+json',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
};

/** Base types seen in the wild that mean one of ours. */
const BASE_SYNONYMS: Record<string, string> = {
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/mp3': 'audio/mpeg',
  'audio/ogg': 'audio/ogg;codecs=opus',
  'audio/opus': 'audio/ogg;codecs=opus',
  'audio/webm': 'audio/webm;codecs=opus',
  'audio/basic': 'audio/wav;codec=pcmu',
  'audio/pcmu': 'audio/wav;codec=pcmu',
  'audio/pcma': 'audio/wav;codec=pcma',
  'audio/x-gsm': 'audio/gsm',
  'image/tiff': 'image/tiff;application=faxg3',
  'image/tif': 'image/tiff;application=faxg3',
  'text/x-html': 'text/html',
};

/**
 * The graph node for a content type or a requested format, or null when it is not one we can
 * convert. Parameters that do not matter (charset) are dropped.
 */
export function formatKey(contentType: string): string | null {
  const raw = contentType.trim().toLowerCase();
  if (ALIASES[raw]) return ALIASES[raw];
  const [base = '', ...params] = raw.split(';').map((s) => s.trim());
  const kept = params
    .map((p) => p.replace(/\s*=\s*/, '=').replace(/"/g, ''))
    .filter((p) => /^(codec|codecs|rate|application|resolution)=/.test(p))
    .sort();
  const exact = [base, ...kept].join(';');
  if (BY_KEY.has(exact)) return exact;
  if (BY_KEY.has(base) && kept.length === 0) return base;
  if (BASE_SYNONYMS[base]) return BASE_SYNONYMS[base];
  if (BY_KEY.has(base)) return base;
  return null;
}

/** The page a request names (`image/png;page=3`), or 1. */
export function pageOf(format: string): number {
  const m = /;\s*page\s*=\s*(\d+)/i.exec(format);
  return m ? Math.max(1, Number(m[1])) : 1;
}

export function formatInfo(key: string): FormatInfo | undefined {
  return BY_KEY.get(key);
}
