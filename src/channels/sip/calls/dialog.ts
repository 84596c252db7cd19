import { randomBytes } from 'node:crypto';
import type { ClientTransactions, Target } from '../client-transactions.js';
import { SipHeaders } from '../protocol/headers.js';
import type { SipRequest, SipResponse } from '../protocol/message.js';
import { parseNameAddr } from '../protocol/uri.js';

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
  /** The route set (RFC 3261 12.1.2): Route headers of every request we send in the dialog. */
  routes?: string[];
}

/** Sends a request in a dialog and waits for its final answer (null after 32 s without one). */
function inDialog(
  dialog: Dialog,
  transactions: ClientTransactions,
  via: { host: string; port: number },
  method: string,
  extra: Array<[string, string]> = [],
): Promise<SipResponse | null> {
  dialog.cseq += 1;
  const request: SipRequest = {
    kind: 'request',
    method,
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
      ['CSeq', `${dialog.cseq} ${method}`],
      ...(dialog.routes ?? []).map((route): [string, string] => ['Route', route]),
      ...extra,
    ]),
    body: Buffer.alloc(0),
  };
  return transactions.request(dialog.target, request);
}

/**
 * Sends BYE in a dialog (we hang up) and waits for the answer, or gives up after 32 s. `extra`
 * headers ride along (credentials, when a trunk challenges the BYE of a call we placed).
 */
export function hangUp(
  dialog: Dialog,
  transactions: ClientTransactions,
  via: { host: string; port: number },
  extra: Array<[string, string]> = [],
): Promise<SipResponse | null> {
  return inDialog(dialog, transactions, via, 'BYE', extra);
}

/**
 * Asks the caller to call `destination` instead (a blind transfer, RFC 3515 REFER): true when
 * the caller's side accepted (2xx). The caller's phone or trunk places that call, so what it
 * costs is theirs; we only name a destination the operator configured.
 */
export async function transfer(
  dialog: Dialog,
  transactions: ClientTransactions,
  via: { host: string; port: number },
  destination: string,
): Promise<boolean> {
  const response = await inDialog(dialog, transactions, via, 'REFER', [
    ['Refer-To', `<${destination}>`],
    ['Referred-By', `<${parseNameAddr(dialog.local).uri}>`],
    ['Contact', `<sip:voicemail@${via.host}:${via.port}>`],
  ]);
  return response !== null && response.status >= 200 && response.status < 300;
}

/** RFC 3261 13.3.1.4: a 2xx to an INVITE (or re-INVITE) is resent until its ACK
 * comes, 500 ms doubling to 4 s. */
export function resendUntilAcked(isAcked: () => boolean, send: () => void): void {
  let wait = 500;
  let waited = 0;
  const again = () => {
    if (isAcked() || waited > 32_000) return;
    send();
    waited += wait;
    wait = Math.min(wait * 2, 4000);
    setTimeout(again, wait).unref();
  };
  setTimeout(again, wait).unref();
}
