import type { SipHeaders } from './headers.js';

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

/** A message that cannot be parsed, with the status a server answers it with (RFC 3261 8.2, 21.4). */
export class SipParseError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 | 505 | 513 = 400,
  ) {
    super(message);
  }
}

/** Bounds on what a peer may send; past them a message is refused, never buffered without end. */
export interface SipLimits {
  maxMessageBytes: number;
  maxHeaders: number;
}

export const DEFAULT_SIP_LIMITS: SipLimits = { maxMessageBytes: 65_535, maxHeaders: 100 };
