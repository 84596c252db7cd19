import { encodeGsm7, gsmSeptets, isGsm7 } from './gsm7.js';

/** SMPP data_coding values used here: 0 the SMSC default (GSM-7), 8 UCS-2 (UTF-16BE). */
export type DataCoding = 0 | 8;

/** A text ready for submit_sm: the coding, and each part's short_message (UDH included). */
export interface SmsPlan {
  dataCoding: DataCoding;
  /** With a UDH (esm_class 0x40) when there is more than one part. */
  parts: Buffer[];
  /** The concatenation reference the parts share (0 for a single part). */
  reference: number;
}

/** One SMS carries 140 octets: 160 septets of GSM-7 or 70 UCS-2 characters. */
const SINGLE = { gsm: 160, ucs2: 70 };
/** A concatenated part loses 6 octets to its UDH: 153 septets or 67 UCS-2 characters. */
const PART = { gsm: 153, ucs2: 67 };

/** The UDH of part `seq` of `total`: IE 0x00, concatenated short messages with an 8-bit reference. */
function udh(reference: number, total: number, seq: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, seq]);
}

/** Splits into pieces of at most `limit` units, never between a character's units. */
function split(chars: string[], cost: (c: string) => number, limit: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  for (const char of chars) {
    const c = cost(char);
    if (used + c > limit) {
      pieces.push(piece);
      piece = '';
      used = 0;
    }
    piece += char;
    used += c;
  }
  if (piece || pieces.length === 0) pieces.push(piece);
  return pieces;
}

/**
 * How a text goes out as SMS: GSM-7 when every character is in the GSM alphabet, else UCS-2
 * (so Greek or Cyrillic text, or an emoji, is never mangled); one part when it fits, else
 * concatenated parts with a UDH, split on character boundaries (an escape and its character,
 * a surrogate pair stay together). More than `maxParts` parts is refused: the caller shortens.
 */
export function planSms(text: string, reference: number, maxParts = 255): SmsPlan {
  const gsm = isGsm7(text);
  const encode = (s: string) => (gsm ? encodeGsm7(s) : encodeUcs2(s));
  const dataCoding: DataCoding = gsm ? 0 : 8;
  const pieces = smsTexts(text, maxParts);
  if (pieces.length === 1) return { dataCoding, parts: [encode(text)], reference: 0 };
  const ref = reference & 0xff;
  return {
    dataCoding,
    parts: pieces.map((p, i) => Buffer.concat([udh(ref, pieces.length, i + 1), encode(p)])),
    reference: ref,
  };
}

/**
 * The text of each part, for networks that take texts rather than octets (a provider's HTTP
 * API): split where `planSms` would split it, so every piece fits one SMS in its coding.
 */
export function smsTexts(text: string, maxParts = 255): string[] {
  const chars = Array.from(text);
  const gsm = isGsm7(text);
  const cost = gsm ? gsmSeptets : (c: string) => c.length;
  const total = chars.reduce((n, c) => n + cost(c), 0);
  if (total <= (gsm ? SINGLE.gsm : SINGLE.ucs2)) return [text];
  const pieces = split(chars, cost, gsm ? PART.gsm : PART.ucs2);
  if (pieces.length > Math.min(255, maxParts))
    throw new RangeError(`the text needs ${pieces.length} SMS parts, more than ${maxParts}`);
  return pieces;
}

/** How many parts a text would take (for limits and prices, without encoding it). */
export function smsPartCount(text: string): number {
  return planSms(text, 0).parts.length;
}

/** The bytes with each pair swapped: UTF-16LE (Node's) to UTF-16BE (UCS-2 on the wire) and back. */
function pairsSwapped(bytes: Uint8Array): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i + 1 < out.length; i += 2) {
    const b = out[i]!;
    out[i] = out[i + 1]!;
    out[i + 1] = b;
  }
  return out;
}

/** A string as UCS-2 (UTF-16BE, so characters beyond the BMP travel as surrogate pairs). */
export function encodeUcs2(text: string): Buffer {
  return pairsSwapped(Buffer.from(text, 'utf16le'));
}

/** UTF-16BE bytes as a string (an odd last byte is dropped). */
export function decodeUcs2(bytes: Buffer): string {
  return pairsSwapped(bytes.subarray(0, bytes.length - (bytes.length % 2))).toString('utf16le');
}
