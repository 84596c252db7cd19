import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { challenge, digestResponse, NonceIssuer, parseDigest, verifyDigest } from './digest.js';
import { SipParseError } from './message.js';
import { parseDatagram, SipStreamFramer } from './parser.js';
import { serialize } from './serialize.js';
import { parseCSeq, parseNameAddr, parseUri, parseVia } from './uri.js';

/** HA1 as the directory stores it (written out here: the protocol layer imports nothing else). */
const sipHa1 = (algorithm: 'md5' | 'sha256', user: string, realm: string, secret: string) =>
  createHash(algorithm).update(`${user}:${realm}:${secret}`).digest('hex');

const REGISTER = [
  'REGISTER sip:a.test SIP/2.0',
  'v: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK776asdhds;rport',
  'Via: SIP/2.0/TCP proxy.a.test:5060 ;branch=z9hG4bKnashds8, SIP/2.0/UDP [::1]:5062;branch=z9hG4bK3',
  'Max-Forwards: 70',
  'f: "Ann \\"A\\" Example" <sip:ann@a.test>;tag=456248',
  't: <sip:ann@a.test>',
  'i: 843817637684230@998sdasdh09',
  'CSeq: 1826 REGISTER',
  'm: <sip:ann@127.0.0.1:5070;transport=udp>;expires=3600',
  'User-Agent: baresip v3.0.0',
  '  (folded onto the line before)',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

describe('SIP messages', () => {
  test('a request with compact forms, folding and lists parses into its parts', () => {
    const m = parseDatagram(Buffer.from(REGISTER));
    assert.equal(m.kind, 'request');
    assert.ok(m.kind === 'request');
    assert.equal(m.method, 'REGISTER');
    assert.equal(m.uri, 'sip:a.test');
    assert.equal(m.headers.values('via').length, 3);
    assert.deepEqual(parseVia(m.headers.values('via')[0]!), {
      transport: 'UDP',
      host: '127.0.0.1',
      port: 5070,
      params: { branch: 'z9hG4bK776asdhds', rport: null },
    });
    assert.equal(parseVia(m.headers.values('via')[2]!).host, '[::1]');
    const from = parseNameAddr(m.headers.get('from')!);
    assert.equal(from.display, 'Ann "A" Example');
    assert.equal(from.params.tag, '456248');
    assert.equal(m.headers.get('user-agent'), 'baresip v3.0.0 (folded onto the line before)');
    assert.deepEqual(parseCSeq(m.headers.get('cseq')!), { seq: 1826, method: 'REGISTER' });
    const contact = parseNameAddr(m.headers.get('contact')!);
    assert.equal(contact.params.expires, '3600');
    assert.equal(parseUri(contact.uri).params.transport, 'udp');
  });

  test('serialising and parsing again gives the same message', () => {
    const m = parseDatagram(Buffer.from(REGISTER));
    const again = parseDatagram(serialize(m));
    assert.deepEqual([...again.headers], [...m.headers]);
    assert.match(serialize(m).toString(), /^Call-ID: 843817637684230@998sdasdh09\r$/m);
  });

  test('URIs: sip with user, port, params and headers; tel; a bare URI in a header', () => {
    assert.deepEqual(parseUri('sip:%2B4930123@gw.a.test:5080;user=phone?subject=hi%20there'), {
      scheme: 'sip',
      user: '+4930123',
      host: 'gw.a.test',
      port: 5080,
      params: { user: 'phone' },
      headers: { subject: 'hi there' },
    });
    assert.equal(parseUri('tel:+1-555-0100;phone-context=x').user, '+1-555-0100');
    assert.deepEqual(parseNameAddr('sip:bob@b.test;tag=9'), {
      display: null,
      uri: 'sip:bob@b.test',
      params: { tag: '9' },
    });
    assert.throws(() => parseUri('http://x'), SipParseError);
    assert.throws(() => parseUri('sip:ann@host:99999'), SipParseError);
  });

  test('bad messages get the status RFC 3261 asks for', () => {
    const status = (text: string) => {
      try {
        parseDatagram(Buffer.from(text));
        return 200;
      } catch (err) {
        assert.ok(err instanceof SipParseError, String(err));
        return err.status;
      }
    };
    assert.equal(status(REGISTER.replace('Content-Length: 0', 'Content-Length: 10')), 400);
    assert.equal(status(REGISTER.replace(/i: .*\r\n/, '')), 400);
    assert.equal(status(REGISTER.replace('CSeq: 1826 REGISTER', 'CSeq: 1826 INVITE')), 400);
    assert.equal(status(REGISTER.replace('sip:a.test SIP/2.0', 'sip:a.test SIP/3.0')), 505);
    assert.equal(status(REGISTER.replace('Max-Forwards: 70', 'Max Forwards: 70')), 400);
    assert.equal(status(REGISTER + 'x'.repeat(70_000)), 513);
    assert.equal(status('INVITE sip:x SIP/2.0\r\n'), 400);
    // Every response copies From and To and reads To's tag: one that cannot be read is refused
    // here (it used to reach the handlers, where answering it threw and took the process down).
    assert.equal(status(REGISTER.replace('t: <sip:ann@a.test>', 't: <sip:ann@a.test')), 400);
    assert.equal(status(REGISTER.replace(/f: .*\r\n/, 'f: "Ann" <sip:ann@a.test;tag=1\r\n')), 400);
    assert.equal(status(REGISTER.replace(/i: .*\r\n/, 'i: \r\n')), 400);
    assert.equal(status(REGISTER.replace(/t: .*\r\n/, 't: ,\r\n')), 400);
    // Responses copy the first Call-ID: an empty one must not hide behind a second.
    assert.equal(status(REGISTER.replace(/(i: .*\r\n)/, 'Call-ID: \r\n$1')), 400);
    assert.equal(status(REGISTER.replace(/(CSeq: .*\r\n)/, '$1$1')), 400);
    assert.equal(status(REGISTER.replace(/v: .*\r\nVia: .*\r\n/, 'Via: \r\n')), 400);
    assert.equal(
      status(REGISTER.replace('Max-Forwards: 70', 'X: 1\r\n'.repeat(150) + 'Max-Forwards: 70')),
      513,
    );
  });

  test('a TCP stream splits into messages at any chunk boundary, keep-alives between', () => {
    const invite =
      REGISTER.replace('REGISTER sip:a.test', 'OPTIONS sip:a.test')
        .replace('1826 REGISTER', '1827 OPTIONS')
        .replace('Content-Length: 0', 'Content-Type: text/plain\r\nContent-Length: 5') + 'hello';
    const stream = Buffer.from(`\r\n\r\n${REGISTER}${invite}\r\n\r\n`);
    for (const size of [1, 7, 64, stream.length]) {
      const framer = new SipStreamFramer();
      const got = [];
      for (let i = 0; i < stream.length; i += size)
        got.push(...framer.push(stream.subarray(i, i + size)));
      assert.deepEqual(
        got.map((m) => (m.kind === 'request' ? m.method : '')),
        ['REGISTER', 'OPTIONS'],
        `chunks of ${size}`,
      );
      assert.equal(got[1]!.body.toString(), 'hello');
    }
    const framer = new SipStreamFramer();
    assert.throws(
      () => framer.push(Buffer.from(REGISTER.replace('Content-Length: 0\r\n', ''))),
      /needs Content-Length/,
    );
  });

  test('fuzz: mutated and random input is parsed or refused with a SipParseError, nothing else', () => {
    const base = Buffer.from(REGISTER);
    for (let i = 0; i < 5000; i++) {
      const input = Buffer.from(i % 5 === 0 ? randomBytes(1 + (i % 300)) : base);
      if (i % 5 !== 0)
        for (let j = 0; j < 1 + (i % 8); j++)
          input[(i * 7919 + j * 104729) % input.length] = (i * j * 31) & 255;
      for (const parse of [() => parseDatagram(input), () => new SipStreamFramer().push(input)])
        try {
          const out = parse();
          const messages = Array.isArray(out) ? out : [out];
          for (const m of messages) {
            // What every response copies must be there and readable.
            for (const name of ['from', 'to']) parseNameAddr(m.headers.get(name)!);
            assert.ok(m.headers.values('via').length > 0 && m.headers.get('call-id'));
            assert.equal(m.headers.lines('call-id').length, 1);
            for (const v of m.headers.values('via'))
              try {
                parseVia(v);
              } catch (e) {
                assert.ok(e instanceof SipParseError);
              }
          }
        } catch (err) {
          assert.ok(err instanceof SipParseError, `input ${i}: ${String(err)}`);
        }
    }
  });
});

describe('digest authentication', () => {
  test('RFC 2617 3.5: the worked example', () => {
    const ha1 = sipHa1('md5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    const params = parseDigest(
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    )!;
    assert.equal(params.username, 'Mufasa');
    assert.ok(verifyDigest(params, 'GET', ha1));
    assert.ok(!verifyDigest(params, 'POST', ha1), 'the method is part of the response');
    assert.ok(!verifyDigest({ ...params, response: '0'.repeat(32) }, 'GET', ha1));
  });

  test('SHA-256 (RFC 8760) and no-qop responses verify against the stored HA1', () => {
    const ha1 = sipHa1('sha256', 'ann', 'a.test', 'phone secret');
    const response = digestResponse({
      algorithm: 'SHA-256',
      ha1,
      nonce: 'n1',
      method: 'REGISTER',
      uri: 'sip:a.test',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'c1',
    });
    const params = {
      algorithm: 'SHA-256',
      nonce: 'n1',
      uri: 'sip:a.test',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'c1',
      response,
    };
    assert.ok(verifyDigest(params, 'REGISTER', ha1));
    assert.ok(!verifyDigest(params, 'REGISTER', sipHa1('sha256', 'ann', 'a.test', 'wrong')));
    const md5 = sipHa1('md5', 'ann', 'a.test', 'phone secret');
    const plain = digestResponse({
      algorithm: 'MD5',
      ha1: md5,
      nonce: 'n2',
      method: 'INVITE',
      uri: 'sip:b@a.test',
    });
    assert.ok(verifyDigest({ nonce: 'n2', uri: 'sip:b@a.test', response: plain }, 'INVITE', md5));
    assert.match(
      challenge({ realm: 'a.test', nonce: 'n', algorithm: 'SHA-256', stale: true }),
      /^Digest realm="a\.test", nonce="n", algorithm=SHA-256, qop="auth", stale=true$/,
    );
  });

  test('nonces: ours and fresh, ours and stale, or forged', () => {
    const issuer = new NonceIssuer(Buffer.alloc(32, 7), 1000);
    const nonce = issuer.issue(10_000);
    assert.equal(issuer.check(nonce, 10_500), 'valid');
    assert.equal(issuer.check(nonce, 12_000), 'stale');
    assert.equal(
      issuer.check(
        nonce.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
        10_500,
      ),
      'invalid',
    );
    assert.equal(new NonceIssuer(Buffer.alloc(32, 8)).check(nonce, 10_500), 'invalid');
    assert.equal(issuer.check('garbage', 10_500), 'invalid');
  });
});
