/**
 * The GSM 03.38 default alphabet (3GPP TS 23.038 6.2.1) and its extension table, one septet per
 * octet as SMPP carries it (data_coding 0: the SMSC packs the septets for the air). Written out
 * here rather than taken from the `smpp` package, whose coder turns unknown characters into
 * spaces and picks national tables on its own: we must know exactly what a text costs and
 * whether it fits at all before choosing between GSM-7 and UCS-2.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** Characters reached with the escape (0x1B) and the septet that follows it. */
const EXTENSION: ReadonlyArray<[string, number]> = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

const ESCAPE = 0x1b;
const basicCode = new Map<string, number>();
for (let i = 0; i < BASIC.length; i++) if (i !== ESCAPE) basicCode.set(BASIC[i]!, i);
const extensionCode = new Map(EXTENSION);
const extensionChar = new Map(EXTENSION.map(([c, code]) => [code, c]));

/** Septets a character takes (1, or 2 for the extension table), or 0 when GSM-7 cannot carry it. */
export function gsmSeptets(char: string): number {
  if (basicCode.has(char)) return 1;
  return extensionCode.has(char) ? 2 : 0;
}

/** Whether the whole text can go as GSM-7. */
export function isGsm7(text: string): boolean {
  for (const char of text) if (gsmSeptets(char) === 0) return false;
  return true;
}

/** The text as unpacked septets; throws for a character GSM-7 lacks (check `isGsm7` first). */
export function encodeGsm7(text: string): Buffer {
  const out: number[] = [];
  for (const char of text) {
    const basic = basicCode.get(char);
    if (basic !== undefined) {
      out.push(basic);
      continue;
    }
    const ext = extensionCode.get(char);
    if (ext === undefined) throw new Error(`GSM-7 has no ${JSON.stringify(char)}`);
    out.push(ESCAPE, ext);
  }
  return Buffer.from(out);
}

/**
 * Unpacked septets as text. An escape before a septet the extension table lacks reads as the
 * basic character (23.038's rule for unknown extensions); a byte above 0x7F is masked to 7 bits.
 */
export function decodeGsm7(septets: Buffer): string {
  let text = '';
  for (let i = 0; i < septets.length; i++) {
    const code = septets[i]! & 0x7f;
    if (code === ESCAPE && i + 1 < septets.length) {
      const next = septets[++i]! & 0x7f;
      text += extensionChar.get(next) ?? BASIC[next]!;
      continue;
    }
    text += code === ESCAPE ? ' ' : BASIC[code]!;
  }
  return text;
}
