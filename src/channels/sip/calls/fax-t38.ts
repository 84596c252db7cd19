import { randomBytes, randomInt } from 'node:crypto';
import type { ClientTransactions } from '../client-transactions.js';
import { InviteClientTransaction } from '../invite-transaction.js';
import { SipHeaders } from '../protocol/headers.js';
import type { SipRequest, SipResponse } from '../protocol/message.js';
import { describeT38, parseT38Offer, refusalOf, type T38Offer } from '../protocol/sdp-t38.js';
import { responseTo } from '../responses.js';
import type { SipPeer } from '../transport.js';
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

/** How a call answers a re-INVITE that may offer T.38. */
export interface T38Answering {
  /** Takes the offer: the call switches to T.38 (false: too late for it). Null: not a fax call. */
  take: ((offer: T38Offer) => boolean) | null;
  /** Why T.38 is not taken at all (turned off), or null. */
  off: string | null;
  /** Where our T.38 stream is: the call's RTP address and port. */
  rtpHost: string;
  rtpPort: number;
  /** Our Contact. */
  contact: string;
  log(event: string, detail: object): void;
}

/**
 * A re-INVITE in an answered call (docs/fax.md): a fax's T.38 offer, when the call takes it,
 * gets 200 with our T.38 stream on the same port; anything else (hold, a codec change, an offer
 * we cannot take) gets 488 and the call carries on as it was, a fax on G.711.
 */
export function answerReinvite(request: SipRequest, peer: SipPeer, a: T38Answering): SipResponse {
  const call = request.headers.get('call-id');
  const offer = /application\/sdp/i.test(request.headers.get('content-type') ?? '')
    ? parseT38Offer(request.body.toString('utf8'))
    : null;
  const refusal = !offer
    ? 'Session changes not supported'
    : !a.take
      ? 'T.38 is only for fax calls'
      : (a.off ?? refusalOf(offer));
  if (refusal || !offer || !a.take?.(offer)) {
    const reason = refusal ?? 'T.38 is too late in this call';
    if (offer) a.log('fax T.38 refused', { call, reason });
    return responseTo(request, peer, 488, [], { reason });
  }
  a.log('fax switched to T.38', {
    call,
    version: offer.version,
    remote: `${offer.address}:${offer.port}`,
    errorCorrection: offer.errorCorrection,
  });
  return responseTo(
    request,
    peer,
    200,
    [
      ['Contact', a.contact],
      ['Content-Type', 'application/sdp'],
      ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY'],
    ],
    {
      body: Buffer.from(
        describeT38({ address: a.rtpHost, port: a.rtpPort, sessionId: randomInt(1e9) }),
      ),
    },
  );
}
