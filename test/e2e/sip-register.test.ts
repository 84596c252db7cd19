import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { digestResponse, parseDigest } from '../../src/channels/sip/protocol/digest.js';
import { BaresipPhone } from './baresip-phone.js';
import { ADMIN_TOKEN, Client, ServerProcess } from './harness.js';
import { eventually } from './receiver.js';
import { SipTestClient } from './sip-client.js';

/**
 * Phones register with digest authentication: Debian's baresip (MD5, the default challenge)
 * with the right and a wrong secret, and a bare client doing SHA-256 over UDP and TCP against a
 * server that offers it. Malformed input is dropped and the server keeps answering.
 */
let server: ServerProcess;
let sha: ServerProcess;
const SECRET = 'phone-secret-1';

async function addAnn(s: ServerProcess) {
  const admin = new Client(s.url, ADMIN_TOKEN);
  const added = await admin.post('/api/v1/subscribers', {
    name: 'Ann',
    addresses: ['sip:ann@a.test', 'tel:+15550001'],
    password: 'Ann long password',
    sipSecret: SECRET,
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
}

before(async () => {
  server = await ServerProcess.start({ SWITCHBOARD_DOMAINS: 'a.test' });
  sha = await ServerProcess.start({
    SWITCHBOARD_DOMAINS: 'a.test',
    SWITCHBOARD_SIP_DIGEST_ALGORITHMS: 'SHA-256,MD5',
  });
  await addAnn(server);
  await addAnn(sha);
});
after(async () => {
  await server.dispose();
  await sha.dispose();
});

/**
 * baresip registers as Ann with `secret`; gives how that ended (REGISTER_OK or REGISTER_FAIL)
 * and what baresip printed about it.
 */
async function baresipRegisters(secret: string, transport: 'udp' | 'tcp' = 'udp') {
  const phone = await BaresipPhone.start({
    user: 'ann',
    domain: 'a.test',
    secret,
    sipPort: server.sipPort,
    transport,
    record: false,
  });
  try {
    const outcome = await eventually(
      async () => phone.events.find((e) => e.type === 'REGISTER_OK' || e.type === 'REGISTER_FAIL'),
      'the registration answered',
    );
    await eventually(
      async () => /\d{3} [\w ]+ \(Switchboard\)/.test(phone.output) || undefined,
      'baresip printing the answer',
    );
    return { outcome, output: phone.output };
  } finally {
    await phone.stop();
  }
}

test('baresip registers with its SIP secret over UDP and TCP; a wrong secret is refused', async () => {
  const ok = await baresipRegisters(SECRET);
  assert.equal(ok.outcome.type, 'REGISTER_OK');
  assert.match(
    ok.output,
    /ann@a\.test: \{0\/UDP\/v4\} 200 OK \(Switchboard\) \[1 binding\]/,
    ok.output,
  );
  const tcp = await baresipRegisters(SECRET, 'tcp');
  assert.equal(tcp.outcome.type, 'REGISTER_OK');
  assert.match(tcp.output, /ann@a\.test: \{0\/TCP\/v4\} 200 OK \(Switchboard\)/, tcp.output);
  const wrong = await baresipRegisters('guessed-secret');
  assert.equal(wrong.outcome.type, 'REGISTER_FAIL');
  assert.match(wrong.output, /403 Forbidden \(Switchboard\)/, wrong.output);
  assert.doesNotMatch(wrong.output, /200 OK/);
});

/** REGISTER, take the challenge of the given algorithm, answer it with HA1 from the secret. */
async function register(
  client: SipTestClient,
  algorithm: 'SHA-256' | 'MD5',
  secret: string,
  expires = 600,
) {
  const base: Array<[string, string]> = [
    ['From', '<sip:ann@a.test>;tag=t1'],
    ['To', '<sip:ann@a.test>'],
    ['Call-ID', `reg-${client.transport}-${algorithm}@test`],
    ['Contact', `<sip:ann@127.0.0.1:${client.localPort}>;expires=${expires}`],
  ];
  const first = await client.request('REGISTER', 'sip:a.test', [...base, ['CSeq', '1 REGISTER']]);
  assert.equal(first?.status, 401);
  const challenges = first!.headers.lines('www-authenticate').map((v) => parseDigest(v)!);
  assert.deepEqual(
    challenges.map((c) => c.algorithm),
    ['SHA-256', 'MD5'],
    'SHA-256 offered first on this server',
  );
  const c = challenges.find((x) => x.algorithm === algorithm)!;
  const hash = algorithm === 'SHA-256' ? 'sha256' : 'md5';
  const ha1 = createHash(hash).update(`ann:a.test:${secret}`).digest('hex');
  const response = digestResponse({
    algorithm,
    ha1,
    nonce: c.nonce!,
    method: 'REGISTER',
    uri: 'sip:a.test',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'abc123',
  });
  return client.request('REGISTER', 'sip:a.test', [
    ...base,
    ['CSeq', '2 REGISTER'],
    [
      'Authorization',
      `Digest username="ann", realm="a.test", nonce="${c.nonce}", uri="sip:a.test", algorithm=${algorithm}, qop=auth, nc=00000001, cnonce="abc123", response="${response}"`,
    ],
  ]);
}

test('SHA-256 digest over UDP and TCP; too short an interval gets 423; a wrong secret 403', async () => {
  for (const transport of ['UDP', 'TCP'] as const) {
    const client = await new SipTestClient(transport, sha.sipPort).open();
    const ok = await register(client, 'SHA-256', SECRET);
    assert.equal(ok?.status, 200, `${transport}: ${ok?.status} ${ok?.reason}`);
    assert.match(
      ok!.headers.get('contact')!,
      new RegExp(`<sip:ann@127\\.0\\.0\\.1:${client.localPort}>;expires=(600|599)`),
    );
    const md5 = await register(client, 'MD5', SECRET);
    assert.equal(md5?.status, 200);
    assert.equal((await register(client, 'SHA-256', SECRET, 5))?.status, 423);
    assert.equal((await register(client, 'SHA-256', 'not-the-secret'))?.status, 403);
    client.close();
  }
});

test('malformed SIP is dropped without an answer and the server keeps serving', async () => {
  const client = await new SipTestClient('UDP', server.sipPort).open();
  const options = () =>
    client.request('OPTIONS', 'sip:a.test', [
      ['From', '<sip:probe@b.test>;tag=p'],
      ['To', '<sip:a.test>'],
      ['Call-ID', `probe-${Math.random()}`],
      ['CSeq', '1 OPTIONS'],
    ]);
  assert.equal((await options())?.status, 200);
  for (const junk of [
    'INVITE sip:x SIP/2.0\r\n\r\n',
    'REGISTER sip:a.test SIP/7.0\r\nVia: x\r\n\r\n',
    '\u0000\u0001garbage\r\n\r\n',
    `OPTIONS sip:a.test SIP/2.0\r\n${'X-Long: y\r\n'.repeat(500)}\r\n`,
  ])
    client.raw(Buffer.from(junk, 'latin1'));
  assert.equal((await options())?.status, 200, 'still answering');
  const unknown = await client.request('MESSAGE', 'sip:ann@a.test', [
    ['From', '<sip:probe@b.test>;tag=p'],
    ['To', '<sip:ann@a.test>'],
    ['Call-ID', 'msg-1'],
    ['CSeq', '1 MESSAGE'],
  ]);
  const wrongEvent = await client.request('SUBSCRIBE', 'sip:ann@a.test', [
    ['From', '<sip:probe@b.test>;tag=p'],
    ['To', '<sip:ann@a.test>'],
    ['Call-ID', 'sub-1'],
    ['CSeq', '1 SUBSCRIBE'],
    ['Event', 'presence'],
  ]);
  client.close();
  assert.equal(wrongEvent?.status, 489, 'only message-summary is offered');
  assert.equal(unknown?.status, 501, 'not implemented yet, said so');
  assert.match(unknown!.headers.get('allow')!, /REGISTER.*SUBSCRIBE/);
  await eventually(
    async () => /SIP message refused/.test(server.output) || undefined,
    'the refusal in the log',
  );
});
