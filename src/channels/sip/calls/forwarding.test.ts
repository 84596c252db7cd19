import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SipHeaders } from '../protocol/headers.js';
import type { SipRequest } from '../protocol/message.js';
import { addressOf } from './caller-identity.js';
import { forwardingOf } from './forwarding.js';

function invite(uri: string, headers: Array<[string, string]> = []): SipRequest {
  return {
    kind: 'request',
    method: 'INVITE',
    uri,
    headers: new SipHeaders([['From', '<sip:carol@b.test>;tag=1'], ...headers]),
    body: Buffer.alloc(0),
  };
}

test('RFC 4458: the target names the mailbox, cause 486 means busy, others unavailable', () => {
  assert.deepEqual(forwardingOf(invite('sip:vm@a.test;target=sip:ann%40a.test;cause=486')), {
    mailboxUri: 'sip:ann@a.test',
    reason: 'busy',
    source: 'rfc4458',
  });
  assert.equal(
    forwardingOf(invite('sip:vm@a.test;target=tel:+15550001;cause=408')).reason,
    'unavailable',
  );
  assert.equal(
    forwardingOf(invite('sip:vm@a.test;target=tel:+15550001')).mailboxUri,
    'tel:+15550001',
  );
});

test('Diversion: the newest entry (the first) names the mailbox; user-busy means busy', () => {
  const f = forwardingOf(
    invite('sip:+15559999@a.test', [
      [
        'Diversion',
        '<sip:bob@a.test>;reason=user-busy;counter=1, <sip:ann@a.test>;reason=no-answer',
      ],
    ]),
  );
  assert.deepEqual(f, { mailboxUri: 'sip:bob@a.test', reason: 'busy', source: 'diversion' });
  assert.equal(
    forwardingOf(invite('sip:x@a.test', [['Diversion', '<tel:+15550001>;reason=unconditional']]))
      .reason,
    'unavailable',
  );
});

test('no forwarding: the Request-URI is the mailbox; unreadable Diversion is ignored', () => {
  assert.deepEqual(forwardingOf(invite('sip:ann@a.test')), {
    mailboxUri: 'sip:ann@a.test',
    reason: 'unavailable',
    source: 'direct',
  });
  assert.equal(
    forwardingOf(invite('sip:ann@a.test', [['Diversion', '<sip:broken']])).source,
    'direct',
  );
  assert.equal(forwardingOf(invite('garbage')).mailboxUri, 'garbage');
});

test('caller addresses: numbers as tel:+, SIP users as sip:user@host, nonsense as anonymous', () => {
  assert.equal(addressOf('sip:15550001@gw.test;user=phone'), 'tel:+15550001');
  assert.equal(addressOf('sip:+15550001@gw.test'), 'tel:+15550001');
  assert.equal(addressOf('tel:+15550001'), 'tel:+15550001');
  assert.equal(addressOf('sip:carol@b.test:5070;transport=tcp'), 'sip:carol@b.test');
  assert.equal(addressOf('not a uri'), 'sip:anonymous@anonymous.invalid');
});
