/**
 * A cheap look at a message's MIME structure while it streams in over DATA, before the parser
 * sees it. mailparser bounds itself (1 MiB of header per MIME node, 1000 nodes), but it reports
 * those bounds as bare errors only after it has parsed up to them, and below them it still
 * builds a map of every header field and walks every nesting level for every body line. The
 * guard refuses such mail early, with a reply that says which limit was crossed, and lets the
 * DATA handler stop buffering a message that will be refused anyway.
 *
 * It only scans lines: header sections (size, number of fields, Content-Type), and body lines
 * starting with "--" against the boundaries of the open multiparts. It never decodes anything.
 */

export interface MimeLimits {
  /** Bytes of one header section: the message's own or that of any part. */
  maxHeaderBytes: number;
  /** Header fields in one header section. */
  maxHeaderFields: number;
  /** Multiparts and embedded messages open inside one another. */
  maxDepth: number;
  /** Body parts in the whole message, at every level. */
  maxParts: number;
}

export interface MimeRefusal {
  /** SMTP reply code. */
  code: number;
  /** Enhanced status code and text, the reply's message. */
  message: string;
  /** Which limit was crossed, for the log. */
  limit: keyof MimeLimits;
}

/** The start of a line kept while the rest of it has not arrived; longer lines are cut here. */
const LINE_PREFIX_MAX = 8192;

/** An open multipart (with its boundary) or an embedded message/rfc822. */
type Level = { boundary: Buffer } | { boundary: null };

const NEWLINE = 0x0a;
const DASH = 0x2d;

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0x0d && buf[i] !== NEWLINE) return false;
  return true;
}

/** Whether buf holds `boundary` at `at`; a loop, as Buffer.compare's native call costs more. */
function sameBytes(boundary: Buffer, buf: Buffer, at: number): boolean {
  for (let i = 0; i < boundary.length; i++) if (buf[at + i] !== boundary[i]) return false;
  return true;
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === NEWLINE;
}

export class MimeGuard {
  refusal: MimeRefusal | null = null;
  private inHeader = true;
  private headerBytes = 0;
  private headerFields = 0;
  /** The unfolded Content-Type and Content-Transfer-Encoding of the header being read. */
  private field: 'content-type' | 'content-transfer-encoding' | null = null;
  private contentType = '';
  private transferEncoding = '';
  private readonly levels: Level[] = [];
  private parts = 0;
  /** The line whose end has not arrived yet: its first bytes and its whole length. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingKept = 0;
  /** In the middle of a body line known not to be a delimiter line. */
  private skipping = false;

  constructor(private readonly limits: MimeLimits) {}

  /** Feeds the next bytes of the message (after SMTP dot-unstuffing). */
  write(chunk: Buffer): void {
    let at = 0;
    while (!this.refusal && at < chunk.length) {
      if (this.skipping) {
        const newline = chunk.indexOf(NEWLINE, at);
        if (newline < 0) return;
        this.skipping = false;
        at = newline + 1;
      } else if (
        !this.inHeader &&
        this.pendingBytes === 0 &&
        chunk.length - at >= 2 &&
        !(chunk[at] === DASH && chunk[at + 1] === DASH)
      ) {
        at = this.skipToDelimiter(chunk, at);
      } else {
        const newline = chunk.indexOf(NEWLINE, at);
        const end = newline < 0 ? chunk.length : newline + 1;
        // A whole line within the chunk is looked at in place; only split lines are copied.
        if (newline >= 0 && this.pendingBytes === 0) this.line(chunk, at, end, end - at);
        else {
          this.take(chunk.subarray(at, end));
          if (newline >= 0) this.endLine();
        }
        at = end;
      }
    }
  }

  /** The end of the message: the last line may lack its line break. */
  end(): MimeRefusal | null {
    if (!this.refusal && this.pendingBytes > 0) this.endLine();
    return this.refusal;
  }

  /**
   * Body text is only ever ended by a line starting with "--", so other body lines are skipped
   * with a bare search for the next line break (memchr, no per-line work).
   */
  private skipToDelimiter(chunk: Buffer, at: number): number {
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, at);
      if (newline < 0) {
        this.skipping = true;
        return chunk.length;
      }
      at = newline + 1;
      if (chunk.length - at < 2 || (chunk[at] === DASH && chunk[at + 1] === DASH)) return at;
    }
  }

  /** Adds a piece of a line split across chunks, keeping only its start. */
  private take(piece: Buffer): void {
    this.pendingBytes += piece.length;
    // Header bytes are counted as they arrive, so one endless header line is refused early.
    if (this.inHeader && this.headerBytes + this.pendingBytes > this.limits.maxHeaderBytes)
      return this.headerTooLarge();
    if (this.pendingKept < LINE_PREFIX_MAX) {
      const kept = piece.subarray(0, LINE_PREFIX_MAX - this.pendingKept);
      this.pending.push(kept);
      this.pendingKept += kept.length;
    }
  }

  private endLine(): void {
    const cut = this.pendingKept < this.pendingBytes;
    const line = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const length = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingKept = 0;
    // A line cut short is far longer than any delimiter line, but may still be a header field.
    if (this.inHeader || !cut) this.line(line, 0, line.length, length);
  }

  /**
   * One line, `length` bytes long, of which buf[start, end) holds at least the first 8 KiB.
   * Offsets rather than subarrays: a view per line costs more than the scan itself.
   */
  private line(buf: Buffer, start: number, end: number, length: number): void {
    if (this.inHeader) {
      this.headerBytes += length;
      if (this.headerBytes > this.limits.maxHeaderBytes) return this.headerTooLarge();
      this.headerLine(buf, start, end);
    } else if (buf[start] === DASH && buf[start + 1] === DASH) this.delimiterLine(buf, start, end);
  }

  private headerTooLarge(): void {
    this.refuse(
      552,
      `5.3.4 a header section is larger than ${this.limits.maxHeaderBytes} bytes`,
      'maxHeaderBytes',
    );
  }

  private headerLine(buf: Buffer, start: number, end: number): void {
    if (isBlank(buf, start, end)) return this.headerEnd();
    if (buf[start] === 0x20 || buf[start] === 0x09) {
      if (this.field) this.unfold(buf.toString('latin1', start, end));
      return;
    }
    this.headerFields++;
    if (this.headerFields > this.limits.maxHeaderFields)
      return this.refuse(
        552,
        `5.3.4 a header section has more than ${this.limits.maxHeaderFields} fields`,
        'maxHeaderFields',
      );
    const colon = buf.indexOf(0x3a, start);
    // Only two fields matter here; the longest name is 25 bytes.
    const name =
      colon < 0 || colon >= end || colon - start > 40
        ? ''
        : buf.toString('latin1', start, colon).trim();
    const lower = name.toLowerCase();
    this.field = lower === 'content-type' || lower === 'content-transfer-encoding' ? lower : null;
    if (this.field === 'content-type') this.contentType = '';
    if (this.field === 'content-transfer-encoding') this.transferEncoding = '';
    if (this.field) this.unfold(buf.toString('latin1', colon + 1, end));
  }

  private unfold(value: string): void {
    const text = value.replace(/\r?\n$/, '');
    if (this.field === 'content-type')
      this.contentType = (this.contentType + text).slice(0, LINE_PREFIX_MAX);
    else if (this.field === 'content-transfer-encoding')
      this.transferEncoding = (this.transferEncoding + text).slice(0, 100);
  }

  /** The blank line after a header section: the body begins, perhaps a nested one. */
  private headerEnd(): void {
    const type = (this.contentType.split(';')[0] ?? '').trim().toLowerCase();
    const boundary = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(this.contentType);
    const encoding = this.transferEncoding.trim().toLowerCase();
    this.inHeader = false;
    this.headerBytes = 0;
    this.headerFields = 0;
    this.field = null;
    this.contentType = '';
    this.transferEncoding = '';
    if (type.startsWith('multipart/') && boundary) {
      const value = (boundary[1] ?? boundary[2] ?? '').trimEnd();
      if (value) this.open({ boundary: Buffer.from(value, 'latin1') });
    } else if (type === 'message/rfc822' && !['base64', 'quoted-printable'].includes(encoding)) {
      // An embedded message is read as one more level: its own header section follows.
      this.open({ boundary: null });
      this.inHeader = true;
    }
  }

  private open(level: Level): void {
    this.levels.push(level);
    if (this.levels.length > this.limits.maxDepth)
      this.refuse(
        554,
        `5.6.0 MIME parts are nested more than ${this.limits.maxDepth} levels deep`,
        'maxDepth',
      );
  }

  /** "--boundary" starts a part of an open multipart, "--boundary--" closes it. */
  private delimiterLine(buf: Buffer, start: number, lineEnd: number): void {
    let end = lineEnd;
    while (end > start + 2 && isSpace(buf[end - 1])) end--;
    const length = end - start;
    for (let i = this.levels.length - 1; i >= 0; i--) {
      const boundary = this.levels[i]!.boundary;
      if (!boundary) continue;
      const opening = length === boundary.length + 2;
      const closing =
        length === boundary.length + 4 && buf[end - 1] === DASH && buf[end - 2] === DASH;
      if (!(opening || closing)) continue;
      if (!sameBytes(boundary, buf, start + 2)) continue;
      // A delimiter of an outer multipart also ends whatever was left open inside it.
      this.levels.length = closing ? i : i + 1;
      if (opening) {
        this.parts++;
        if (this.parts > this.limits.maxParts)
          return this.refuse(
            554,
            `5.6.0 the message has more than ${this.limits.maxParts} MIME parts`,
            'maxParts',
          );
        this.inHeader = true;
      }
      return;
    }
  }

  private refuse(code: number, message: string, limit: keyof MimeLimits): void {
    this.refusal = { code, message, limit };
    this.pending = [];
  }
}
