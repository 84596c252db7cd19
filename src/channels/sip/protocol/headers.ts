/** RFC 3261 7.3.3 compact forms, and the canonical spelling we write each header in. */
const COMPACT: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  o: 'event',
  u: 'allow-events',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
};

const CANONICAL: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'p-asserted-identity': 'P-Asserted-Identity',
  rack: 'RAck',
  rseq: 'RSeq',
};

/** The lower-case long name of a header, whatever form it arrived in. */
export function headerKey(name: string): string {
  const lower = name.trim().toLowerCase();
  // Own keys only: a header named "constructor" or "__proto__" is just a header.
  return Object.hasOwn(COMPACT, lower) ? COMPACT[lower]! : lower;
}

/** How a header is written: Call-ID, CSeq, WWW-Authenticate, else Title-Case-Words. */
export function headerName(key: string): string {
  return (
    (Object.hasOwn(CANONICAL, key) ? CANONICAL[key] : undefined) ??
    key.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())
  );
}

/**
 * Headers in arrival order, looked up by their long lower-case name. A header line that lists
 * several values (Via: a, b) stays one entry; `values` splits it where the grammar allows.
 */
export class SipHeaders {
  private readonly entries: Array<[string, string]> = [];

  constructor(entries: Iterable<[string, string]> = []) {
    for (const [name, value] of entries) this.add(name, value);
  }

  add(name: string, value: string): this {
    this.entries.push([headerKey(name), value.trim()]);
    return this;
  }

  /** Replaces every value of the header with this one. */
  set(name: string, value: string): this {
    this.remove(name);
    return this.add(name, value);
  }

  remove(name: string): this {
    const key = headerKey(name);
    for (let i = this.entries.length - 1; i >= 0; i--)
      if (this.entries[i]![0] === key) this.entries.splice(i, 1);
    return this;
  }

  get(name: string): string | undefined {
    const key = headerKey(name);
    return this.entries.find(([k]) => k === key)?.[1];
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every value of a header, comma-separated lists split (outside quotes and <...>). */
  values(name: string): string[] {
    const key = headerKey(name);
    return this.entries.filter(([k]) => k === key).flatMap(([, v]) => splitList(v));
  }

  /** Each header line as it was given, for headers whose values contain commas (dates, auth). */
  lines(name: string): string[] {
    const key = headerKey(name);
    return this.entries.filter(([k]) => k === key).map(([, v]) => v);
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    yield* this.entries;
  }

  clone(): SipHeaders {
    return new SipHeaders(this.entries);
  }
}

/** Splits a header value at top-level commas (not inside "quotes" or <angle brackets>). */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') depth++;
    else if (c === '>') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter(Boolean);
}
