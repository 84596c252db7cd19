import { textCoding } from './data-coding.js';
import { decodeGsm7 } from './gsm7.js';
import { decodeUcs2 } from './segments.js';

/** Where a part sits in a concatenated SMS (UDH IE 0x00 or 0x08). */
export interface Concatenation {
  reference: number;
  total: number;
  seq: number;
}

/** A received short_message, decoded: its text and, for a part, where it belongs. */
export interface ShortMessage {
  text: string;
  part: Concatenation | null;
}

/**
 * The concatenation element of a UDH (the octets after the length byte), if any: IE 0x00 with
 * an 8-bit reference, or 0x08 with a 16-bit one (23.040 9.2.3.24.1 and .8). Other elements
 * (ports, national language shifts) are skipped.
 */
export function concatenationIn(udh: Buffer): Concatenation | null {
  let at = 0;
  while (at + 2 <= udh.length) {
    const id = udh[at]!;
    const length = udh[at + 1]!;
    const data = udh.subarray(at + 2, at + 2 + length);
    if (data.length < length) return null;
    if (id === 0x00 && length === 3) return { reference: data[0]!, total: data[1]!, seq: data[2]! };
    if (id === 0x08 && length === 4)
      return { reference: data.readUInt16BE(0), total: data[2]!, seq: data[3]! };
    at += 2 + length;
  }
  return null;
}

/**
 * Decodes what an SMSC or application sent in short_message (or message_payload): the UDH when
 * esm_class has UDHI (0x40) set, then the text by data_coding (`textCoding`): UCS-2, Latin-1
 * (IA5 too), else GSM-7 (unpacked, as SMPP carries it). A UDH that does not fit the message
 * is an error: the caller answers with a generic_nack or an ESME_RINVMSGLEN.
 */
export function decodeShortMessage(
  payload: Buffer,
  dataCoding: number,
  esmClass: number,
): ShortMessage {
  let body = payload;
  let part: Concatenation | null = null;
  if (esmClass & 0x40) {
    const length = payload[0];
    if (length === undefined || length + 1 > payload.length)
      throw new RangeError('the user data header is longer than the message');
    part = concatenationIn(payload.subarray(1, 1 + length));
    body = payload.subarray(1 + length);
    // A part numbered outside its total is no part of anything.
    if (part && (part.total === 0 || part.seq === 0 || part.seq > part.total)) part = null;
  }
  // The coding groups of 03.38 (0xF0 message classes, 00xx general) are read as SMPP's own
  // values are; a coding we cannot read is taken as GSM-7, the SMSC default.
  const coding = textCoding(dataCoding) ?? 0;
  const text =
    coding === 8 ? decodeUcs2(body) : coding === 3 ? body.toString('latin1') : decodeGsm7(body);
  return { text, part };
}
