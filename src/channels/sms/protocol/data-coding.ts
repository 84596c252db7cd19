/** The codings `decodeShortMessage` reads: 0 GSM-7 (unpacked), 3 Latin-1, 8 UCS-2. */
export type TextCoding = 0 | 3 | 8;

/**
 * Which text coding a submit_sm's data_coding means, or null for one that is not text we can
 * read (binary 8-bit data, JIS, Cyrillic/Hebrew ISO tables, pictograms...): refused with
 * ESME_RINVDCS rather than stored as garbage. SMPP 3.4 5.2.19 gives 0x00-0x0F; above that the
 * GSM 03.38 coding groups apply (general data coding 00xx, message class 1111).
 */
export function textCoding(dataCoding: number): TextCoding | null {
  switch (dataCoding) {
    case 0x00:
      return 0;
    // IA5 is ASCII, which Latin-1 contains.
    case 0x01:
    case 0x03:
      return 3;
    case 0x08:
      return 8;
  }
  if ((dataCoding & 0xf0) === 0xf0) return dataCoding & 0x04 ? null : 0;
  if (dataCoding >= 0x10 && (dataCoding & 0xc0) === 0) {
    // Compressed text (bit 5) is not read.
    if (dataCoding & 0x20) return null;
    const alphabet = (dataCoding >> 2) & 0x03;
    return alphabet === 0 ? 0 : alphabet === 2 ? 8 : null;
  }
  return null;
}
