import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MimeGuard, type MimeLimits } from './mime-guard.js';

const LIMITS: MimeLimits = { maxHeaderBytes: 4096, maxHeaderFields: 20, maxDepth: 5, maxParts: 10 };
const HEAD = 'From: a@x.test\r\nTo: b@y.test\r\nSubject: s\r\n';

/** Feeds `mail` in chunks of `size` bytes, so lines and boundaries fall across chunks. */
function scan(mail: string, size = 7, limits = LIMITS) {
  const guard = new MimeGuard(limits);
  const bytes = Buffer.from(mail, 'latin1');
  for (let i = 0; i < bytes.length; i += size) guard.write(bytes.subarray(i, i + size));
  return guard.end();
}

function multipart(boundary: string, bodies: string[]): string {
  return (
    `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\npreamble\r\n` +
    bodies.map((b) => `--${boundary}\r\n${b}\r\n`).join('') +
    `--${boundary}--\r\nepilogue\r\n`
  );
}

function nested(depth: number): string {
  let mail = 'Content-Type: text/plain\r\n\r\ninnermost';
  for (let i = depth - 1; i >= 0; i--) mail = multipart(`b${i}`, [mail]);
  return HEAD + mail;
}

test('ordinary mail passes, whatever the chunking', () => {
  const mail =
    HEAD +
    multipart('outer', [
      multipart('alt', [
        'Content-Type: text/plain\r\n\r\nhi',
        'Content-Type: text/html\r\n\r\n<p>hi',
      ]),
      'Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=',
    ]);
  for (const size of [1, 2, 7, 64, 100_000])
    assert.equal(scan(mail, size), null, `chunks of ${size}`);
  assert.equal(scan(nested(5)), null, 'five levels are allowed');
  assert.equal(scan(HEAD + '\r\n' + '--not a boundary\r\n'.repeat(100)), null);
});

test('a header section too large, in one long line or many folded ones, is 552 5.3.4', () => {
  const long = scan(`${HEAD}X-Long: ${'a'.repeat(5000)}\r\n\r\nbody`);
  assert.equal(long?.code, 552);
  assert.match(long!.message, /^5\.3\.4 a header section is larger than 4096 bytes$/);
  const folded = scan(`${HEAD}X-Folded: a${'\r\n b'.repeat(2000)}\r\n\r\nbody`);
  assert.equal(folded?.limit, 'maxHeaderBytes');
  const inPart = scan(HEAD + multipart('p', [`X-Big: ${'a'.repeat(5000)}\r\n\r\nx`]));
  assert.equal(inPart?.limit, 'maxHeaderBytes', 'part headers count too');
  const unterminated = new MimeGuard(LIMITS);
  unterminated.write(Buffer.from(HEAD + 'X-Endless: '));
  for (let i = 0; i < 10 && !unterminated.refusal; i++) unterminated.write(Buffer.alloc(1000, 97));
  assert.equal(unterminated.refusal?.limit, 'maxHeaderBytes', 'refused before the line ends');
});

test('too many header fields is 552 5.3.4', () => {
  const many = scan(HEAD + 'X-H: v\r\n'.repeat(30) + '\r\nbody');
  assert.equal(many?.code, 552);
  assert.match(many!.message, /^5\.3\.4 a header section has more than 20 fields$/);
  assert.equal(scan(HEAD + 'X-H: v\r\n'.repeat(17) + '\r\nbody'), null, 'twenty is fine');
  const body = scan(HEAD + '\r\n' + 'X-H: v\r\n'.repeat(30));
  assert.equal(body, null, 'lines in the body are not header fields');
});

test('nesting deeper than the limit is 554 5.6.0, embedded messages count', () => {
  const deep = scan(nested(6));
  assert.equal(deep?.code, 554);
  assert.match(deep!.message, /^5\.6\.0 MIME parts are nested more than 5 levels deep$/);
  let embedded = 'Subject: inner\r\n\r\ntext';
  for (let i = 0; i < 6; i++) embedded = `Content-Type: message/rfc822\r\n\r\n${embedded}`;
  assert.equal(scan(HEAD + embedded)?.limit, 'maxDepth');
  const encoded = `Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n`;
  assert.equal(scan(HEAD + encoded.repeat(6)), null, 'an encoded message is opaque');
});

test('siblings do not add depth; a closing delimiter of an outer part closes the inner ones', () => {
  const siblings = Array.from({ length: 4 }, (_, i) =>
    multipart(`s${i}`, ['Content-Type: text/plain\r\n\r\nx']),
  );
  assert.equal(scan(HEAD + multipart('top', siblings)), null);
  // Inner multiparts never closed: the outer delimiter ends them, so depth does not pile up.
  const unclosed = Array.from(
    { length: 4 },
    (_, i) => `Content-Type: multipart/mixed; boundary="u${i}"\r\n\r\n--u${i}\r\n\r\nx`,
  );
  assert.equal(scan(HEAD + multipart('top', unclosed)), null);
});

test('more parts than the limit is 554 5.6.0', () => {
  const parts = Array.from({ length: 11 }, () => 'Content-Type: text/plain\r\n\r\nx');
  const many = scan(HEAD + multipart('p', parts));
  assert.equal(many?.code, 554);
  assert.match(many!.message, /^5\.6\.0 the message has more than 10 MIME parts$/);
  assert.equal(scan(HEAD + multipart('p', parts.slice(1))), null, 'ten are fine');
  const wrong = scan(HEAD + multipart('p', []) + '--q\r\n'.repeat(50));
  assert.equal(wrong, null, 'lines that are no delimiter of an open multipart are text');
});

test('broken boundaries and garbage never throw', () => {
  const cases = [
    HEAD + 'Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\n--x--',
    HEAD + 'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n----\r\n',
    HEAD + 'Content-Type: multipart/mixed; boundary="a"\r\n\r\n--a\r\n--a\r\n--a',
    HEAD + 'Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nno colon here\r\n\r\n--a--',
    '\r\n\r\n\r\n',
    '',
    '--',
    'X: ' + '\u00ff'.repeat(100),
  ];
  for (const mail of cases) assert.equal(scan(mail, 3), null, JSON.stringify(mail.slice(-40)));
});
