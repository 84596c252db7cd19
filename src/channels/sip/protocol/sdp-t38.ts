/**
 * SDP for T.38 fax (ITU-T T.38 Annex D, RFC 4612's image/t38): an `m=image <port> udptl t38`
 * stream and the T38Fax* attributes. A call switches to it by re-INVITE, on the port its audio
 * used.
 */

/** The T.38 versions spandsp's terminal speaks; we run 0, which every gateway takes. */
const VERSIONS = [0, 1, 2, 3];
export const OUR_T38 = {
  version: 0,
  maxBitRate: 14400,
  /** The largest UDPTL datagram we take. */
  maxDatagram: 400,
} as const;

export interface T38Offer {
  address: string;
  port: number;
  version: number | null;
  maxBitRate: number | null;
  rateManagement: string | null;
  maxDatagram: number | null;
  errorCorrection: string | null;
}

/**
 * The T.38 stream of an SDP body: null when the body has none (an audio offer, a hold). The
 * first `m=image ... udptl t38` line with a port counts; its attributes are read as they are,
 * for `acceptT38` to judge.
 */
export function parseT38Offer(body: string): T38Offer | null {
  let sessionAddress = '';
  let offer: T38Offer | null = null;
  let inImage = false;
  for (const line of body.split(/\r?\n/).map((l) => l.trim())) {
    if (line[1] !== '=') continue;
    const key = line[0];
    const value = line.slice(2);
    if (key === 'm') {
      inImage = false;
      if (offer) continue;
      const m = /^image (\d+) udptl t38$/i.exec(value);
      if (!m || Number(m[1]) === 0 || Number(m[1]) > 65535) continue;
      inImage = true;
      offer = {
        address: sessionAddress,
        port: Number(m[1]),
        version: null,
        maxBitRate: null,
        rateManagement: null,
        maxDatagram: null,
        errorCorrection: null,
      };
    } else if (key === 'c') {
      const c = /^IN IP[46] (\S+)$/.exec(value);
      if (!c) continue;
      if (offer && inImage) offer.address = c[1]!;
      else if (!offer) sessionAddress = c[1]!;
    } else if (key === 'a' && offer && inImage) {
      const a = /^(T38\w+)(?::(.*))?$/i.exec(value);
      if (!a) continue;
      const name = a[1]!.toLowerCase();
      const text = (a[2] ?? '').trim();
      const number = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
      if (name === 't38faxversion') offer.version = number;
      else if (name === 't38maxbitrate') offer.maxBitRate = number;
      else if (name === 't38faxratemanagement') offer.rateManagement = text;
      else if (name === 't38faxmaxdatagram') offer.maxDatagram = number;
      else if (name === 't38faxudpec') offer.errorCorrection = text;
    }
  }
  return offer && offer.address ? offer : null;
}

/**
 * Whether we take a T.38 offer: a version we speak (our answer is version 0, which T.38 lets an
 * answerer pick below the offer), TCF transferred (locally made TCF is for TCP), and a datagram
 * size our packets fit in. Null when taken, else why not (the 488's reason).
 */
export function refusalOf(offer: T38Offer): string | null {
  if (offer.version !== null && !VERSIONS.includes(offer.version))
    return `T38FaxVersion ${Number.isNaN(offer.version) ? 'malformed' : offer.version} is not supported`;
  if (offer.rateManagement !== null && offer.rateManagement.toLowerCase() !== 'transferredtcf')
    return 'T38FaxRateManagement must be transferredTCF over UDPTL';
  if (offer.maxDatagram !== null && !(offer.maxDatagram >= 160))
    return 'T38FaxMaxDatagram is too small';
  return null;
}

/** Our T.38 stream (offer or answer alike), on `port`, with UDPTL redundancy. */
export function describeT38(p: { address: string; port: number; sessionId: number }): string {
  const ip = p.address.includes(':') ? 'IP6' : 'IP4';
  return [
    'v=0',
    `o=switchboard ${p.sessionId} ${p.sessionId} IN ${ip} ${p.address}`,
    's=Switchboard',
    `c=IN ${ip} ${p.address}`,
    't=0 0',
    `m=image ${p.port} udptl t38`,
    `a=T38FaxVersion:${OUR_T38.version}`,
    `a=T38MaxBitRate:${OUR_T38.maxBitRate}`,
    'a=T38FaxRateManagement:transferredTCF',
    `a=T38FaxMaxDatagram:${OUR_T38.maxDatagram}`,
    'a=T38FaxUdpEC:t38UDPRedundancy',
    '',
  ].join('\r\n');
}
