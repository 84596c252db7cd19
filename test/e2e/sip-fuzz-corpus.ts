/**
 * A seeded generator of hostile SIP input for the over-the-wire fuzz test: valid requests of
 * every method Switchboard sees, the same mutated in structure (headers dropped, duplicated,
 * huge, with bad numbers, URIs, brackets, versions, bytes that are not UTF-8, SDP garbage) and
 * in bytes (truncated, flipped, spliced), responses nobody asked for, and random bytes. The same
 * seed and worker give the same sequence, so a failure names the item that caused it.
 */

/** mulberry32: small, fast, and the same everywhere. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** 0 ≤ n < max. */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** Letters and digits, for tags, branches and Call-IDs. */
  word(n: number): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }

  /** Any byte values as a latin1 string (rendered byte for byte). */
  binary(n: number): string {
    return this.bytes(n).toString('latin1');
  }
}

export type FuzzKind = 'valid' | 'mutated' | 'random' | 'hostile-call' | 'in-dialog';

export interface FuzzItem {
  /** `w<worker>#<n>`: regenerate with the same seed and worker, n-th call of next(). */
  id: string;
  kind: FuzzKind;
  /** What was done to it, for the report. */
  label: string;
  bytes: Buffer;
  /** The Call-ID it was given (a mutation may have changed it on the wire). */
  callId: string;
  /** Its top Via's branch, which responses echo ('' for random bytes). */
  branch: string;
  /** For hostile calls, what a proper ACK and BYE need. */
  dialog?: { uri: string; from: string; to: string };
}

export interface CorpusContext {
  transport: 'UDP' | 'TCP';
  /** Where answered hostile calls send their RTP (a socket of the test that ignores it). */
  sink: { host: string; port: number };
  /** Call-IDs of real calls in progress, for in-dialog requests with wrong tags (never BYE). */
  dialogs: string[];
  /** What share of items are hostile calls that Switchboard answers (0 to leave calls alone). */
  hostileCallRate: number;
}

interface Draft {
  start: string;
  headers: Array<[string, string]>;
  body: string;
  /** Leave Content-Length as the mutations made it (else it is written from the body). */
  keepLength?: boolean;
}

/** Header values as latin1 strings: whatever byte a mutation put in goes on the wire as is. */
function render(d: Draft, eol = '\r\n'): Buffer {
  const headers = d.keepLength
    ? d.headers
    : [
        ...d.headers.filter(([n]) => !/^(content-length|l)$/i.test(n)),
        ['Content-Length', String(Buffer.byteLength(d.body, 'latin1'))] as [string, string],
      ];
  const text = [d.start, ...headers.map(([n, v]) => `${n}: ${v}`), '', ''].join(eol) + d.body;
  return Buffer.from(text, 'latin1');
}

const METHODS = ['REGISTER', 'INVITE', 'BYE', 'OPTIONS', 'SUBSCRIBE', 'ACK', 'CANCEL'] as const;
const OTHER_METHODS = ['MESSAGE', 'INFO', 'UPDATE', 'PRACK', 'REFER', 'NOTIFY', 'PUBLISH'];

const NUMBERS = [
  '-1',
  '0',
  '00000000000000000000001',
  '4294967296',
  '2147483648',
  '9007199254740993',
  '99999999999999999999999999999999',
  '1e309',
  '-0',
  'NaN',
  'Infinity',
  '0x10',
  '1.5',
  ' 7 ',
  '',
  '١٢٣',
];

const BAD_URIS = [
  '*',
  'sip:',
  'sip:@',
  'sip:@a.test',
  'sip:ann@',
  'sip:%zz@a.test',
  'sip:ann@[::1',
  'sip:ann@a.test:99999',
  'sip:ann@a.test:0',
  'sips:ann@a.test;transport=sctp;lr;;;=;=x',
  'tel:',
  'tel:+1;;;;',
  'tel:abc',
  'http://a.test/',
  'sip:ann@a.test?%',
  'sip:ann@a.test?a=%zz',
  'sip:+15550001@a.test;user=phone',
  'sip:%2B15550001@a.test',
  `sip:${'a'.repeat(5000)}@a.test`,
  'urn:service:sos',
  'sip:ann@a.test\u0000',
];

const BAD_ADDRESSES = [
  '<sip:ann@a.test',
  'sip:ann@a.test>',
  '"unterminated <sip:ann@a.test>',
  '"\\" <sip:x@y> ;tag=1',
  '<>',
  '<<<<sip:x@y>>>>',
  '*',
  ';tag=',
  '<sip:ann@a.test>;tag',
  '<sip:ann@a.test>;tag=;tag=;tag=',
  '"Ann" <tel:+1>;;;;;;',
  `<sip:ann@a.test>;tag=${'9'.repeat(3000)}`,
  'Ann <sip:ann@a.test> <sip:bob@b.test>',
  '\u00ff\u00fe<sip:\u00c0\u0080@a.test>',
];

const BAD_VIAS = [
  'SIP/2.0/UDP',
  'SIP/2.0/UDP ',
  'SIP/3.0/UDP 127.0.0.1:5060;branch=z9hG4bKx',
  'SIP/2.0/UDP 127.0.0.1:99999;branch=z9hG4bKx',
  'SIP/2.0/UDP 127.0.0.1:;branch=z9hG4bKx',
  'SIP/2.0/UDP [::1;branch=z9hG4bKx',
  'SIP/2.0/UDP 127.0.0.1;rport=x;received=<script>;branch=',
  'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx;rport;rport;rport',
  'SIP / 2.0 / TCP   a.test   :   5060   ;   branch = z9hG4bKx',
  'garbage',
  ',,,,',
  Array.from({ length: 300 }, (_, i) => `SIP/2.0/UDP h${i}.test;branch=z9hG4bK${i}`).join(','),
];

const HEADER_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'X-' + 'y'.repeat(2000),
  'Via ',
  ' Via',
  'Content-Length\t',
  'l',
  'i',
  'v',
  'f',
  't',
  'CALL-ID',
  'cSeQ',
  'Max-Forwards',
  'Expires',
  'Contact',
  'Authorization',
  'Event',
  'Content-Type',
  'Route',
  'Record-Route',
  'Require',
  'Proxy-Require',
  'Session-Expires',
];

const GARBAGE_SDP = [
  '',
  'v=0',
  'v=0\r\nm=audio 4000 RTP/AVP 0\r\n',
  'v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 99999999999999999999 RTP/AVP 0\r\n',
  'v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 18 9 96\r\na=rtpmap:96 opus/48000/2\r\n',
  'v=0\r\nc=IN IP7 who.knows\r\nm=audio 4000 RTP/AVP 0\r\n',
  'v=0\r\nc=IN IP4 127.0.0.1\r\nm=video 4000 RTP/AVP 31\r\n',
  'v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 0 RTP/AVP 0\r\n',
  'v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP \r\n',
  'v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/0\r\n',
  'v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 8\r\na=rtpmap:8 PCMA/16000\r\n',
  'v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP ' + '0 '.repeat(4000) + '\r\n',
  'm=audio 4000 RTP/AVP 0\n'.repeat(500),
  'a=rtpmap:0 PCMU/8000\r\n'.repeat(800),
  '=\r\n==\r\n=x\r\nx=\r\n\r\n\r\n',
  '\u0000\u0001\u0002\u00ff\u00fe\r\nm=\u00c0\u0080audio',
  'v=0\rc=IN IP4 127.0.0.1\rm=audio 4000 RTP/AVP 0\r',
  '{"sdp": "not really"}',
];

/**
 * One worker's stream of fuzz input. `next()` gives items in a fixed order for a seed, so that
 * `w2#731` can be made again by calling next() 732 times on a corpus of worker 2.
 */
export class FuzzCorpus {
  private readonly rng: Rng;
  private n = 0;

  constructor(
    readonly seed: number,
    readonly worker: number,
    private readonly ctx: CorpusContext,
  ) {
    this.rng = new Rng((seed ^ Math.imul(worker + 1, 0x9e3779b1)) >>> 0);
  }

  next(): FuzzItem {
    const r = this.rng;
    const id = `w${this.worker}#${this.n++}`;
    const roll = r.next();
    if (roll < this.ctx.hostileCallRate) return { id, ...this.hostileCall() };
    if (roll < 0.05 + this.ctx.hostileCallRate && this.ctx.dialogs.length)
      return { id, ...this.inDialog() };
    if (roll < 0.12) {
      const bytes = r.chance(0.5)
        ? r.bytes(r.between(1, r.chance(0.1) ? 60_000 : 1500))
        : Buffer.from(this.textNoise(), 'latin1');
      return { id, kind: 'random', label: 'random bytes', bytes, callId: '', branch: '' };
    }
    const base = this.valid();
    if (roll < 0.22) return { id, kind: 'valid', label: `valid ${base.method}`, ...base.item() };
    const labels: string[] = [];
    const mutations = r.between(1, 3);
    for (let i = 0; i < mutations; i++) labels.push(this.mutate(base.draft));
    let bytes = render(base.draft, r.chance(0.05) ? r.pick(['\n', '\r', '\r\r\n']) : '\r\n');
    if (r.chance(0.35)) {
      const [label, mutated] = this.mutateBytes(bytes);
      labels.push(label);
      bytes = mutated;
    }
    if (this.ctx.transport === 'UDP' && bytes.length > 65_000) bytes = bytes.subarray(0, 65_000);
    return {
      id,
      kind: 'mutated',
      label: `${base.method}: ${labels.join(', ')}`,
      bytes,
      callId: base.callId,
      branch: base.branch,
    };
  }

  private textNoise(): string {
    const r = this.rng;
    const pieces = [
      'SIP/2.0 ',
      'INVITE ',
      'sip:ann@a.test ',
      '\r\n',
      '\r\n\r\n',
      ': ',
      'Via',
      'Content-Length: ',
      ';branch=',
      '<',
      '>',
      '"',
      ',',
      '%',
      '\u0000',
      '\u00ff',
      r.word(8),
      String(r.int(1e9)),
    ];
    let s = '';
    const count = r.between(1, 80);
    for (let i = 0; i < count; i++) s += r.pick(pieces);
    return s;
  }

  /** A well-formed request (or, now and then, a response nobody asked for). */
  private valid(): {
    method: string;
    draft: Draft;
    callId: string;
    branch: string;
    item: () => Omit<FuzzItem, 'id' | 'kind' | 'label'>;
  } {
    const r = this.rng;
    const transport = this.ctx.transport;
    const callId = `fz-${r.word(12)}@fuzz.invalid`;
    const branch = `z9hG4bK${r.word(16)}`;
    const via = `SIP/2.0/${transport} fuzz.invalid:${r.between(1024, 65535)};branch=${branch};rport`;
    const fromTag = r.word(8);
    const method = r.chance(0.08) ? r.pick(OTHER_METHODS) : r.pick(METHODS);
    const cseq = r.between(1, 100000);
    let uri = 'sip:ann@a.test';
    const headers: Array<[string, string]> = [
      ['Via', via],
      ['Max-Forwards', '70'],
    ];
    let body = '';
    const from = `"Fuzz ${r.word(3)}" <sip:fuzz@b.test>;tag=${fromTag}`;
    let to = '<sip:ann@a.test>';
    switch (method) {
      case 'REGISTER':
        uri = 'sip:a.test';
        headers.push(['From', `<sip:ann@a.test>;tag=${fromTag}`], ['To', '<sip:ann@a.test>']);
        break;
      case 'INVITE':
        // Not Ann: a mutated INVITE must not become a call (those are made on purpose below).
        uri = r.pick(['sip:nobody@a.test', 'sip:+15559999@a.test', 'sip:ann@elsewhere.test']);
        to = `<${uri}>`;
        body = r.chance(0.5) ? this.sdp(this.ctx.sink) : r.pick(GARBAGE_SDP);
        break;
      case 'BYE':
      case 'ACK':
      case 'CANCEL':
      case 'INFO':
      case 'UPDATE':
      case 'PRACK':
        to = `<sip:ann@a.test>;tag=${r.word(8)}`;
        break;
      case 'OPTIONS':
        uri = r.pick(['sip:a.test', 'sip:ann@a.test', 'sip:127.0.0.1']);
        to = `<${uri}>`;
        break;
    }
    if (method !== 'REGISTER') headers.push(['From', from], ['To', to]);
    headers.push(['Call-ID', callId], ['CSeq', `${cseq} ${method}`]);
    headers.push(['Contact', `<sip:fuzz@fuzz.invalid:${r.between(1024, 65535)}>`]);
    if (method === 'SUBSCRIBE')
      headers.push(
        ['Event', r.pick(['message-summary', 'presence', 'message-summary;id=1', ''])],
        ['Expires', String(r.int(7200))],
      );
    if (method === 'REGISTER') headers.push(['Expires', String(r.int(7200))]);
    if (method === 'INVITE') headers.push(['Content-Type', 'application/sdp']);
    let start = `${method} ${uri} SIP/2.0`;
    if (r.chance(0.04)) {
      // A response to a transaction we never started.
      start = `SIP/2.0 ${r.pick([100, 180, 200, 401, 481, 487, 500, 699])} ${r.pick(['OK', 'Nope', ''])}`;
      headers.splice(1, 1);
    }
    const draft: Draft = { start, headers, body };
    return {
      method: start.startsWith('SIP/') ? 'response' : method,
      draft,
      callId,
      branch,
      item: () => ({ bytes: render(draft), callId, branch }),
    };
  }

  private sdp(at: { host: string; port: number }): string {
    const r = this.rng;
    const formats = r.pick(['0 8 101', '8 0', '0', '101 0', '96 97 0 8 101']);
    return [
      'v=0',
      `o=fuzz ${r.int(1e9)} ${r.int(1e9)} IN IP4 ${at.host}`,
      's=-',
      `c=IN IP4 ${at.host}`,
      't=0 0',
      `m=audio ${at.port} RTP/AVP ${formats}`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  /** One structural change to a message; gives its label. */
  private mutate(d: Draft): string {
    const r = this.rng;
    const h = d.headers;
    const index = (name: RegExp) => h.findIndex(([n]) => name.test(n));
    const any = () => r.int(Math.max(1, h.length));
    switch (r.int(19)) {
      case 0: {
        const name = r.pick([/^via$/i, /^from$/i, /^to$/i, /^call-id$/i, /^cseq$/i]);
        const i = index(name);
        if (i >= 0) h.splice(i, 1);
        return `dropped ${name.source}`;
      }
      case 1: {
        if (!h.length) return 'nothing to duplicate';
        const [n, v] = h[any()]!;
        const times = r.pick([2, 3, 20, 99, 150]);
        for (let i = 0; i < times; i++) h.splice(r.int(h.length + 1), 0, [n, v]);
        return `${n} ×${times}`;
      }
      case 2: {
        const size = r.pick([1000, 8000, 30_000, 64_000]);
        const filler = r.chance(0.5) ? 'x'.repeat(size) : r.binary(size).replace(/[\r\n]/g, ' ');
        if (r.chance(0.5) && h.length) h[any()]![1] += filler;
        else h.push([`X-Huge-${r.word(4)}`, filler]);
        return `huge header ${size}`;
      }
      case 3: {
        const value = r.chance(0.5)
          ? r.pick(NUMBERS)
          : String(Buffer.byteLength(d.body, 'latin1') + r.between(-40, 40));
        d.headers = h.filter(([n]) => !/^(content-length|l)$/i.test(n));
        d.headers.push([r.pick(['Content-Length', 'l', 'content-length']), value]);
        if (r.chance(0.3)) d.headers.push(['Content-Length', r.pick(NUMBERS)]);
        d.keepLength = true;
        return `Content-Length ${JSON.stringify(value)}`;
      }
      case 4: {
        const i = index(/^cseq$/i);
        const method = /^(\S+)/.exec(d.start)?.[1] ?? 'X';
        const value = r.pick([
          '',
          `${r.pick(NUMBERS)} ${method}`,
          `1 ${r.pick([...METHODS.filter((m) => m !== 'BYE'), 'FOO'])}`,
          '1',
          method,
          `1  ${method} extra`,
          `1 ${method.toLowerCase()}`,
        ]);
        if (i >= 0) h[i]![1] = value;
        return `CSeq ${JSON.stringify(value)}`;
      }
      case 5: {
        const [name, value] = r.pick<[string, string]>([
          ['Max-Forwards', r.pick(NUMBERS)],
          ['Expires', r.pick(NUMBERS)],
          ['Contact', `<sip:fuzz@fuzz.invalid>;expires=${r.pick(NUMBERS)}`],
          ['Contact', '*'],
          ['Min-Expires', r.pick(NUMBERS)],
          ['Session-Expires', r.pick(NUMBERS)],
          ['RSeq', r.pick(NUMBERS)],
        ]);
        if (r.chance(0.5)) h.push([name, value]);
        else h.unshift([name, value]);
        return `${name}: ${value.slice(0, 30)}`;
      }
      case 6: {
        const uri = r.pick(BAD_URIS);
        d.start = d.start.replace(/^(\S+) \S+/, (_, m: string) => `${m} ${uri}`);
        return `Request-URI ${uri.slice(0, 30)}`;
      }
      case 7: {
        const name = r.pick(['From', 'To', 'Contact', 'Route', 'Record-Route', 'Refer-To']);
        const value = r.pick(BAD_ADDRESSES);
        const i = index(new RegExp(`^${name}$`, 'i'));
        if (i >= 0) h[i]![1] = value;
        else h.push([name, value]);
        return `${name}: ${value.slice(0, 30)}`;
      }
      case 8: {
        if (!h.length) return 'nothing to spoil';
        const i = any();
        const bad = r.pick([
          '\u00ff\u00fe',
          '\u00c0\u0080',
          '\u0000',
          '\u00ed\u00a0\u0080',
          '\u001b[2J',
        ]);
        const v = h[i]![1];
        const at = r.int(v.length + 1);
        h[i]![1] = v.slice(0, at) + bad + v.slice(at);
        return `non-UTF-8 in ${h[i]![0]}`;
      }
      case 9: {
        const via = r.pick(BAD_VIAS);
        const i = index(/^via$/i);
        if (i >= 0 && r.chance(0.7)) h[i]![1] = via;
        else h.unshift(['Via', via]);
        return `Via ${via.slice(0, 30)}`;
      }
      case 10: {
        const name = r.pick(HEADER_NAMES);
        h.splice(r.int(h.length + 1), 0, [name, r.pick(['', 'x', r.pick(NUMBERS), r.word(20)])]);
        return `header ${name.slice(0, 20)}`;
      }
      case 11: {
        d.start = d.start.replace(
          /SIP\/2\.0$/,
          r.pick([
            'SIP/3.0',
            'SIP/2.00',
            'sip/2.0',
            'SIP/2.0 ',
            'SIP/1.0',
            'SIP/99999999999.0',
            '',
          ]),
        );
        return `version in ${d.start.slice(-12)}`;
      }
      case 12: {
        const method = r.pick([
          'invite',
          'Options',
          'FOO',
          'X'.repeat(3000),
          'INV ITE',
          'INVITE\u0000',
          '',
          'SIP/2.0',
        ]);
        d.start = d.start.replace(/^\S+/, method);
        return `method ${JSON.stringify(method.slice(0, 20))}`;
      }
      case 13: {
        d.body = r.chance(0.5) ? r.pick(GARBAGE_SDP) : r.binary(r.between(1, 5000));
        if (r.chance(0.5)) h.push(['Content-Type', r.pick(['application/sdp', 'text/plain', ''])]);
        return 'body garbage';
      }
      case 14: {
        if (!h.length) return 'nothing to fold';
        const i = any();
        h[i]![1] = h[i]![1].replace(/;/g, r.pick(['\r\n ;', '\r\n\t;', ' ; ']));
        return `folded ${h[i]![0]}`;
      }
      case 15: {
        // Compact forms and odd spellings of the mandatory headers.
        const compact: Record<string, string> = {
          via: 'v',
          from: 'f',
          to: 't',
          'call-id': 'i',
          'content-length': 'l',
        };
        for (const entry of h) {
          const c = compact[entry[0].toLowerCase()];
          if (c && r.chance(0.5)) entry[0] = r.chance(0.5) ? c : entry[0].toUpperCase();
        }
        return 'compact forms';
      }
      case 16: {
        const i = index(/^call-id$/i);
        const value = r.pick([
          '',
          ' ',
          '@',
          '\u00ff',
          'a'.repeat(40_000),
          '../../../etc/passwd',
          '<x>',
        ]);
        if (i >= 0) h[i]![1] = value;
        return `Call-ID ${JSON.stringify(value.slice(0, 20))}`;
      }
      case 17: {
        h.reverse();
        return 'headers reversed';
      }
      default: {
        const i = index(/^authorization$/i);
        const value = r.pick([
          'Digest',
          'Digest username="ann", realm="a.test", nonce="", uri="sip:a.test", response=""',
          'Digest username="ann", realm="a.test", nonce="x.y.z", uri="sip:a.test", response="00", algorithm=SHA-512',
          'Digest username="ann", realm="a.test", nonce="lkjh.abcd.0123456789abcdef0123456789abcdef", uri="sip:a.test", response="0", qop=auth',
          `Digest ${'a=b, '.repeat(2000)}`,
          'Basic YW5uOnNlY3JldA==',
          'Digest username="\\"',
        ]);
        if (i >= 0) h[i]![1] = value;
        else h.push(['Authorization', value]);
        return 'Authorization garbage';
      }
    }
  }

  /** One byte-level change to a rendered message. */
  private mutateBytes(bytes: Buffer): [string, Buffer] {
    const r = this.rng;
    const copy = Buffer.from(bytes);
    switch (r.int(6)) {
      case 0:
        return ['truncated', copy.subarray(0, r.int(copy.length))];
      case 1: {
        const flips = r.between(1, 12);
        for (let i = 0; i < flips; i++) copy[r.int(copy.length)] = r.int(256);
        return [`${flips} bytes flipped`, copy];
      }
      case 2: {
        const at = r.int(copy.length);
        return [
          'bytes inserted',
          Buffer.concat([copy.subarray(0, at), r.bytes(r.between(1, 64)), copy.subarray(at)]),
        ];
      }
      case 3: {
        const at = r.int(copy.length);
        return [
          'range deleted',
          Buffer.concat([copy.subarray(0, at), copy.subarray(at + r.between(1, 200))]),
        ];
      }
      case 4:
        return ['sent twice', Buffer.concat([copy, copy])];
      default: {
        const crlf = Buffer.from(r.pick(['\r\n', '\r', '\n', '\r\n\r\n']).repeat(r.between(1, 50)));
        const at = r.int(copy.length);
        return [
          'line breaks inserted',
          Buffer.concat([copy.subarray(0, at), crlf, copy.subarray(at)]),
        ];
      }
    }
  }

  /**
   * An INVITE that Switchboard answers: to Ann, a usable codec, and RTP to the sink or somewhere
   * hostile (a port past 65535, broadcast, the wrong address family). The test hangs them up.
   */
  private hostileCall(): Omit<FuzzItem, 'id'> {
    const r = this.rng;
    // Now and then a twist that the parser lets through and the call code must cope with.
    const twist = r.pick(['', '', '', '', '', '', 'long Call-ID', 'unclosed Contact']);
    const callId =
      twist === 'long Call-ID'
        ? `fz-call-${r.word(12)}-${'c'.repeat(300)}@fuzz.invalid`
        : `fz-call-${r.word(12)}@fuzz.invalid`;
    const branch = `z9hG4bK${r.word(16)}`;
    const uri = r.pick(['sip:ann@a.test', 'sip:+15550001@a.test', 'sip:15550001@a.test']);
    const from = `<sip:fuzz@b.test>;tag=${r.word(8)}`;
    const to = `<${uri}>`;
    const [what, at] = r.pick<[string, { host: string; port: number }]>([
      ['to the sink', this.ctx.sink],
      ['to the sink', this.ctx.sink],
      ['to port 70000', { host: this.ctx.sink.host, port: 70_000 }],
      ['to broadcast', { host: '255.255.255.255', port: 9 }],
      ['to 0.0.0.0', { host: '0.0.0.0', port: this.ctx.sink.port }],
      ['to an IPv6 address', { host: '::1', port: this.ctx.sink.port }],
    ]);
    let body = this.sdp(at);
    if (r.chance(0.3)) body = body.replace('a=sendrecv', r.pick(['a=inactive', 'a=sendonly']));
    if (r.chance(0.3)) body = body.replace('a=ptime:20', r.pick(['a=ptime:0', 'a=ptime:99999999']));
    const headers: Array<[string, string]> = [
      ['Via', `SIP/2.0/${this.ctx.transport} fuzz.invalid:5060;branch=${branch};rport`],
      ['Max-Forwards', '70'],
      ['From', from],
      ['To', to],
      ['Call-ID', callId],
      ['CSeq', '1 INVITE'],
      [
        'Contact',
        twist === 'unclosed Contact'
          ? `<sip:fuzz@${this.ctx.sink.host}:${this.ctx.sink.port}`
          : r.pick([
              `<sip:fuzz@${this.ctx.sink.host}:${this.ctx.sink.port}>`,
              '*',
              '<sip:x@[::1]>',
            ]),
      ],
      ['Content-Type', 'application/sdp'],
      ['Subject', r.binary(20).replace(/[\r\n]/g, '.')],
    ];
    return {
      kind: 'hostile-call',
      label: `INVITE answered, RTP ${what}${twist ? `, ${twist}` : ''}`,
      bytes: render({ start: `INVITE ${uri} SIP/2.0`, headers, body }),
      callId,
      branch,
      dialog: { uri, from, to },
    };
  }

  /** A request inside a real call in progress (its Call-ID) with tags that are not its own. */
  private inDialog(): Omit<FuzzItem, 'id'> {
    const r = this.rng;
    const callId = r.pick(this.ctx.dialogs);
    const branch = `z9hG4bK${r.word(16)}`;
    // Never BYE: that a BYE with wrong tags must not end a call is tested on a call of its own.
    const method = r.pick([
      'ACK',
      'CANCEL',
      'INVITE',
      'OPTIONS',
      'INFO',
      'UPDATE',
      'REFER',
      'PRACK',
    ]);
    const headers: Array<[string, string]> = [
      ['Via', `SIP/2.0/${this.ctx.transport} fuzz.invalid:5060;branch=${branch};rport`],
      ['Max-Forwards', '70'],
      ['From', `<sip:carol@b.test>;tag=${r.word(8)}`],
      ['To', r.chance(0.5) ? '<sip:ann@a.test>' : `<sip:ann@a.test>;tag=${r.word(12)}`],
      ['Call-ID', callId],
      ['CSeq', `${r.between(1, 1000)} ${method}`],
    ];
    let body = '';
    if (method === 'INVITE') {
      headers.push(['Content-Type', 'application/sdp']);
      body = this.sdp(this.ctx.sink);
    }
    const draft: Draft = {
      start: `${method} sip:voicemail@127.0.0.1:5060 SIP/2.0`,
      headers,
      body,
    };
    let label = `in-dialog ${method}, wrong tags`;
    if (r.chance(0.3)) label += `, ${this.mutate(draft)}`;
    // A mutation may have turned the method into a BYE: make sure it did not.
    if (/^BYE\b/i.test(draft.start)) draft.start = draft.start.replace(/^BYE/i, 'INFO');
    return { kind: 'in-dialog', label, bytes: render(draft), callId, branch };
  }
}
