import { SipHeaders } from './headers.js';
import {
  DEFAULT_SIP_LIMITS,
  SipParseError,
  type SipLimits,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './message.js';
import { parseNameAddr } from './uri.js';

type Head = Omit<SipRequest, 'body'> | Omit<SipResponse, 'body'>;

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
const HEADER_END = Buffer.from('\r\n\r\n');

/** The header section of a message, split off its body; null while it is incomplete. */
function headerSection(data: Buffer): { head: string; bodyStart: number } | null {
  const end = data.indexOf(HEADER_END);
  if (end < 0) return null;
  return { head: data.subarray(0, end).toString('utf8'), bodyStart: end + 4 };
}

function parseHead(head: string, limits: SipLimits): Head {
  // Header folding (a line starting with space or tab continues the previous one, RFC 3261 7.3.1).
  const lines = head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
  const start = lines.shift() ?? '';
  if (lines.length > limits.maxHeaders)
    throw new SipParseError(`more than ${limits.maxHeaders} header lines`, 513);
  const headers = new SipHeaders();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!TOKEN.test(name)) throw new SipParseError(`malformed header line "${line.slice(0, 40)}"`);
    headers.add(name, line.slice(colon + 1));
  }
  if (start.startsWith('SIP/')) {
    const m = /^SIP\/(\d+\.\d+) (\d{3}) ?(.*)$/.exec(start);
    if (!m) throw new SipParseError(`malformed status line "${start.slice(0, 60)}"`);
    if (m[1] !== '2.0') throw new SipParseError(`SIP/${m[1]} is not supported`, 505);
    return { kind: 'response', status: Number(m[2]), reason: m[3] ?? '', headers };
  }
  const m = /^([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP\/(\d+\.\d+)$/.exec(start);
  if (!m) throw new SipParseError(`malformed request line "${start.slice(0, 60)}"`);
  if (m[3] !== '2.0') throw new SipParseError(`SIP/${m[3]} is not supported`, 505);
  return { kind: 'request', method: m[1]!.toUpperCase(), uri: m[2]!, headers };
}

/**
 * The mandatory headers of RFC 3261 8.1.1, checked once so handlers can rely on them: present,
 * not empty, From, To, Call-ID and CSeq once each (7.3.1), and From and To readable as addresses
 * (every response copies them and reads To's tag).
 */
function checkMandatory(message: Head): void {
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq'])
    if (!message.headers.has(name)) throw new SipParseError(`missing ${name} header`);
  if (message.headers.values('via').length === 0) throw new SipParseError('empty via header');
  for (const name of ['from', 'to', 'call-id']) {
    if (message.headers.lines(name).length > 1)
      throw new SipParseError(`more than one ${name} header`);
    if (!message.headers.values(name).length) throw new SipParseError(`empty ${name} header`);
  }
  if (message.headers.lines('cseq').length > 1)
    throw new SipParseError('more than one cseq header');
  for (const name of ['from', 'to'])
    try {
      parseNameAddr(message.headers.get(name)!);
    } catch {
      throw new SipParseError(`malformed ${name} header`);
    }
  const cseq = /^(\d{1,10})\s+(\S+)$/.exec(message.headers.get('cseq')!);
  if (!cseq || Number(cseq[1]) > 2 ** 31 - 1) throw new SipParseError('malformed CSeq header');
  if (message.kind === 'request' && cseq[2]!.toUpperCase() !== message.method)
    throw new SipParseError('the CSeq method does not match the request method');
}

function contentLength(message: Head): number | null {
  const value = message.headers.get('content-length');
  if (value === undefined) return null;
  if (!/^\d{1,9}$/.test(value)) throw new SipParseError('malformed Content-Length header');
  return Number(value);
}

/**
 * One SIP message from one UDP datagram. The body is what Content-Length says (a datagram with
 * less is refused; with more, the rest is ignored, RFC 3261 18.3); without Content-Length, the
 * rest of the datagram.
 */
export function parseDatagram(data: Buffer, limits: SipLimits = DEFAULT_SIP_LIMITS): SipMessage {
  if (data.length > limits.maxMessageBytes)
    throw new SipParseError(`the message is larger than ${limits.maxMessageBytes} bytes`, 513);
  const section = headerSection(data);
  if (!section) throw new SipParseError('the header section does not end');
  const message = parseHead(section.head, limits);
  checkMandatory(message);
  const length = contentLength(message);
  const available = data.length - section.bodyStart;
  if (length !== null && length > available)
    throw new SipParseError('the body is shorter than its Content-Length');
  const body = data.subarray(section.bodyStart, section.bodyStart + (length ?? available));
  return { ...message, body: Buffer.from(body) } as SipMessage;
}

/**
 * Splits a TCP byte stream into messages, which there must carry Content-Length (RFC 3261 18.3).
 * Keep-alive CRLFs between messages (RFC 5626) are skipped. A malformed message throws; the
 * connection cannot be resynchronised after that and should be closed.
 */
export class SipStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly limits: SipLimits = DEFAULT_SIP_LIMITS) {}

  push(chunk: Buffer): SipMessage[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const out: SipMessage[] = [];
    for (;;) {
      let skip = 0;
      while (skip < this.buffer.length && (this.buffer[skip] === 13 || this.buffer[skip] === 10))
        skip++;
      if (skip) this.buffer = this.buffer.subarray(skip);
      const section = headerSection(this.buffer);
      if (!section) {
        if (this.buffer.length > this.limits.maxMessageBytes)
          throw new SipParseError('the header section is too large', 513);
        return out;
      }
      const message = parseHead(section.head, this.limits);
      checkMandatory(message);
      const length = contentLength(message);
      if (length === null) throw new SipParseError('a message over TCP needs Content-Length');
      if (section.bodyStart + length > this.limits.maxMessageBytes)
        throw new SipParseError(
          `the message is larger than ${this.limits.maxMessageBytes} bytes`,
          513,
        );
      if (this.buffer.length < section.bodyStart + length) return out;
      const body = Buffer.from(this.buffer.subarray(section.bodyStart, section.bodyStart + length));
      this.buffer = this.buffer.subarray(section.bodyStart + length);
      out.push({ ...message, body } as SipMessage);
    }
  }
}
