import { randomBytes } from 'node:crypto';
import { SipHeaders } from './protocol/headers.js';
import type { SipRequest, SipResponse } from './protocol/message.js';
import { parseNameAddr } from './protocol/uri.js';
import type { SipPeer } from './transport.js';

export const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  407: 'Proxy Authentication Required',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  420: 'Bad Extension',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'Version Not Supported',
  513: 'Message Too Large',
};

export const newTag = () => randomBytes(6).toString('hex');

/**
 * A response to a request (RFC 3261 8.2.6): its Vias (the top one marked with where the request
 * really came from, RFC 3581), From, To (with our tag), Call-ID and CSeq, then any extra headers.
 */
export function responseTo(
  request: SipRequest,
  peer: Pick<SipPeer, 'address' | 'port'>,
  status: number,
  extra: Array<[string, string]> = [],
  options: { toTag?: string; reason?: string; body?: Buffer } = {},
): SipResponse {
  const headers = new SipHeaders();
  request.headers.values('via').forEach((via, i) => {
    if (i > 0) return void headers.add('Via', via);
    // RFC 3581: tell the client where we saw the request come from, so NAT does not break replies.
    let top = via.replace(/;rport(?=;|$)/i, `;rport=${peer.port}`);
    if (!/;received=/i.test(top)) top += `;received=${peer.address}`;
    headers.add('Via', top);
  });
  headers.add('From', request.headers.get('from')!);
  const to = request.headers.get('to')!;
  const hasTag = parseNameAddr(to).params.tag !== undefined;
  headers.add('To', hasTag || status === 100 ? to : `${to};tag=${options.toTag ?? newTag()}`);
  headers.add('Call-ID', request.headers.get('call-id')!);
  headers.add('CSeq', request.headers.get('cseq')!);
  headers.add('Server', 'Switchboard');
  for (const [name, value] of extra) headers.add(name, value);
  return {
    kind: 'response',
    status,
    reason: options.reason ?? REASONS[status] ?? 'Unknown',
    headers,
    body: options.body ?? Buffer.alloc(0),
  };
}
