import { headerName } from './headers.js';
import type { SipMessage } from './message.js';

/** The wire form of a message; Content-Length is always written, from the body itself. */
export function serialize(message: SipMessage): Buffer {
  const start =
    message.kind === 'request'
      ? `${message.method} ${message.uri} SIP/2.0`
      : `SIP/2.0 ${message.status} ${message.reason}`;
  const lines = [start];
  for (const [key, value] of message.headers)
    if (key !== 'content-length') lines.push(`${headerName(key)}: ${value}`);
  lines.push(`Content-Length: ${message.body.length}`, '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'utf8'), message.body]);
}
