import { randomBytes } from 'node:crypto';
import type { ClientTransactions, Target } from '../client-transactions.js';
import { SipHeaders } from '../protocol/headers.js';
import type { SipRequest } from '../protocol/message.js';

/** Our side of an answered call (RFC 3261 12): what in-dialog requests we send need. */
export interface Dialog {
  callId: string;
  localTag: string;
  /** The caller's From (with its tag): the To of what we send. */
  remote: string;
  /** The caller's To with our tag: the From of what we send. */
  local: string;
  remoteTarget: string;
  target: Target;
  cseq: number;
}

/** Sends BYE in a dialog (we hang up) and waits for the answer, or gives up after 32 s. */
export function hangUp(
  dialog: Dialog,
  transactions: ClientTransactions,
  via: { host: string; port: number },
): Promise<unknown> {
  dialog.cseq += 1;
  const request: SipRequest = {
    kind: 'request',
    method: 'BYE',
    uri: dialog.remoteTarget,
    headers: new SipHeaders([
      [
        'Via',
        `SIP/2.0/${dialog.target.transport} ${via.host}:${via.port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`,
      ],
      ['Max-Forwards', '70'],
      ['From', dialog.local],
      ['To', dialog.remote],
      ['Call-ID', dialog.callId],
      ['CSeq', `${dialog.cseq} BYE`],
    ]),
    body: Buffer.alloc(0),
  };
  return transactions.request(dialog.target, request);
}
