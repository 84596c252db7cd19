import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SipHeaders } from '../protocol/headers.js';
import type { SipRequest } from '../protocol/message.js';
import type { SipPeer } from '../transport.js';
import { VoicemailCalls, type Mailbox, type VoicemailCallDeps } from './voicemail-calls.js';

const peer: SipPeer = {
  transport: 'TCP',
  address: '127.0.0.1',
  port: 5070,
  send: () => true,
} as unknown as SipPeer;

function message(method: string, body = ''): SipRequest {
  return {
    kind: 'request',
    method,
    uri: 'sip:ann@a.test',
    headers: new SipHeaders([
      ['Via', 'SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bKcancel1'],
      ['From', '<sip:carol@b.test>;tag=c1'],
      ['To', '<sip:ann@a.test>'],
      ['Call-ID', 'cancel-test'],
      ['CSeq', `1 ${method}`],
      ...(body ? ([['Content-Type', 'application/sdp']] as Array<[string, string]>) : []),
    ]),
    body: Buffer.from(body),
  };
}

const SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

test('CANCEL while the INVITE is being prepared: 200 to the CANCEL, 487 to the INVITE, no call', async () => {
  let release: (m: Mailbox) => void = () => undefined;
  const deps = {
    identify: () =>
      Promise.resolve({ address: 'sip:carol@b.test', verified: false, basis: 'as given' }),
    mailboxFor: () => new Promise<Mailbox>((r) => (release = r)),
    isVoicemailNumber: () => false,
    log: () => undefined,
  } as unknown as VoicemailCallDeps;
  const calls = new VoicemailCalls(deps);
  const invite = calls.invite(message('INVITE', SDP), peer);
  await new Promise((r) => setImmediate(r));
  assert.equal(calls.cancel(message('CANCEL'), peer).status, 200);
  release({ subscriberId: 'ann', address: 'sip:ann@a.test', language: 'en', roomMs: null });
  assert.equal((await invite).status, 487);
  assert.equal(calls.active, 0);
  assert.equal(calls.cancel(message('CANCEL'), peer).status, 481, 'nothing left to cancel');
});
