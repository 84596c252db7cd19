import { randomBytes } from 'node:crypto';
import type { ClientTransactions } from '../client-transactions.js';
import { InviteClientTransaction } from '../invite-transaction.js';
import { SipHeaders } from '../protocol/headers.js';
import type { SipRequest, SipResponse } from '../protocol/message.js';
import { parseT38Offer, refusalOf, type T38Offer } from '../protocol/sdp-t38.js';
import type { Dialog } from './dialog.js';

const branch = () => `z9hG4bK${randomBytes(8).toString('hex')}`;

/**
 * Offers T.38 in an answered call (the calling fax's side, docs/fax.md): a re-INVITE with our
 * `m=image` description, each 2xx ACKed. Resolves with the far end's T.38 stream when it took
 * the offer, or with the status it answered (488: stay on G.711); null status when nothing
 * answered in 64*T1.
 */
export function offerT38(
  dialog: Dialog,
  transactions: ClientTransactions,
  via: { host: string; port: number },
  sdp: string,
): Promise<{ accepted: T38Offer } | { refused: number | null; reason: string }> {
  dialog.cseq += 1;
  const cseq = dialog.cseq;
  const headers = (method: string): Array<[string, string]> => [
    ['Via', `SIP/2.0/${dialog.target.transport} ${via.host}:${via.port};branch=${branch()};rport`],
    ['Max-Forwards', '70'],
    ['From', dialog.local],
    ['To', dialog.remote],
    ['Call-ID', dialog.callId],
    ['CSeq', `${cseq} ${method}`],
    ...(dialog.routes ?? []).map((route): [string, string] => ['Route', route]),
  ];
  const invite: SipRequest = {
    kind: 'request',
    method: 'INVITE',
    uri: dialog.remoteTarget,
    headers: new SipHeaders([
      ...headers('INVITE'),
      ['Contact', `<sip:switchboard@${via.host}:${via.port}>`],
      ['Content-Type', 'application/sdp'],
    ]),
    body: Buffer.from(sdp),
  };
  const ack: SipRequest = {
    kind: 'request',
    method: 'ACK',
    uri: dialog.remoteTarget,
    headers: new SipHeaders(headers('ACK')),
    body: Buffer.alloc(0),
  };
  return new Promise((resolve) => {
    let settled = false;
    new InviteClientTransaction(transactions, dialog.target, invite, {
      success: (response: SipResponse) => {
        transactions.send(dialog.target, ack);
        if (settled) return;
        settled = true;
        const answer = parseT38Offer(response.body.toString('utf8'));
        const refusal = answer ? refusalOf(answer) : 'the answer has no T.38 stream';
        resolve(
          answer && !refusal
            ? { accepted: answer }
            : { refused: response.status, reason: refusal ?? '' },
        );
      },
      failure: (response) => {
        if (settled) return;
        settled = true;
        resolve({
          refused: response?.status ?? null,
          reason: response ? `${response.status} ${response.reason}` : 'no answer',
        });
      },
    });
  });
}
