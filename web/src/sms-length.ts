/**
 * What a text costs as SMS, mirrored from the server's planner (src/channels/sms/protocol/): the
 * web app is built on its own and imports nothing from src/. GSM-7 when every character is in
 * the GSM 03.38 alphabet (the extension table's characters take two septets), else UCS-2 (a
 * character outside the Basic Multilingual Plane, e.g. an emoji, takes two units). One SMS holds
 * 160 septets or 70 UCS-2 units; a concatenated part loses room to its header: 153 or 67.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const EXTENSION = '\f^{}\\[~]|€';

const LIMITS = {
  gsm: { single: 160, part: 153 },
  ucs2: { single: 70, part: 67 },
} as const;

export interface SmsLength {
  encoding: 'gsm' | 'ucs2';
  /** Septets (GSM-7) or UTF-16 units (UCS-2) the text takes. */
  units: number;
  parts: number;
  /** Room in the last part before another one starts. */
  left: number;
}

function gsmCost(char: string): number {
  if (BASIC.includes(char)) return 1;
  return EXTENSION.includes(char) ? 2 : 0;
}

export function smsLength(text: string): SmsLength {
  const chars = Array.from(text);
  const gsm = chars.every((c) => gsmCost(c) > 0);
  const cost = gsm ? gsmCost : (c: string) => c.length;
  const limits = gsm ? LIMITS.gsm : LIMITS.ucs2;
  const encoding = gsm ? 'gsm' : 'ucs2';
  const units = chars.reduce((n, c) => n + cost(c), 0);
  if (units <= limits.single) return { encoding, units, parts: 1, left: limits.single - units };
  // Parts are split on character boundaries, as the server does: a two-unit character that
  // does not fit at the end of a part starts the next one.
  let parts = 1;
  let used = 0;
  for (const c of chars) {
    const n = cost(c);
    if (used + n > limits.part) {
      parts += 1;
      used = 0;
    }
    used += n;
  }
  return { encoding, units, parts, left: limits.part - used };
}
