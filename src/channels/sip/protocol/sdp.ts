import { SipParseError } from './message.js';

/** One audio payload format of an SDP media line: number, name and clock rate (RFC 4566 6). */
export interface PayloadFormat {
  payload: number;
  name: string;
  rate: number;
  fmtp?: string;
}

export interface AudioOffer {
  /** Where the other side wants RTP: c= address and m= port. */
  address: string;
  port: number;
  formats: PayloadFormat[];
  /** sendrecv unless the offer says otherwise (a hold is sendonly or inactive). */
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  ptime: number | null;
  /** Where the other side wants RTCP (RFC 3605 a=rtcp); null means the RTP port + 1. */
  rtcp: { port: number; address: string | null } | null;
}

/** RFC 3551 static payload types phones leave without an rtpmap. */
const STATIC: Record<number, PayloadFormat> = {
  0: { payload: 0, name: 'PCMU', rate: 8000 },
  8: { payload: 8, name: 'PCMA', rate: 8000 },
  9: { payload: 9, name: 'G722', rate: 8000 },
  18: { payload: 18, name: 'G729', rate: 8000 },
};

/**
 * The audio stream of an SDP offer (the first m=audio line with a usable port), with its
 * formats in the offerer's order of preference. Anything else in the body is left alone.
 */
export function parseAudioOffer(body: string): AudioOffer {
  const lines = body.split(/\r?\n/).map((l) => l.trim());
  let sessionAddress = '';
  let media: AudioOffer | null = null;
  let inAudio = false;
  let sessionDirection: AudioOffer['direction'] = 'sendrecv';
  for (const line of lines) {
    const [key, value = ''] = [line.slice(0, 1), line.slice(2)];
    if (line[1] !== '=') continue;
    if (key === 'm') {
      inAudio = false;
      if (media) continue;
      const m = /^audio (\d+)(?:\/\d+)? RTP\/(?:S?AVPF?) ([\d ]+)$/.exec(value);
      if (!m || Number(m[1]) === 0) continue;
      inAudio = true;
      media = {
        address: sessionAddress,
        port: Number(m[1]),
        formats: m[2]!
          .trim()
          .split(/\s+/)
          .map((p) => ({ ...(STATIC[Number(p)] ?? { payload: Number(p), name: '', rate: 8000 }) })),
        direction: sessionDirection,
        ptime: null,
        rtcp: null,
      };
    } else if (key === 'c') {
      const c = /^IN IP[46] (\S+)$/.exec(value);
      if (!c) continue;
      if (media && inAudio) media.address = c[1]!;
      else if (!media) sessionAddress = c[1]!;
    } else if (key === 'a') {
      const dir = /^(sendrecv|sendonly|recvonly|inactive)$/.exec(value)?.[1] as
        AudioOffer['direction'] | undefined;
      if (dir) {
        if (media && inAudio) media.direction = dir;
        else if (!media) sessionDirection = dir;
        continue;
      }
      if (!media || !inAudio) continue;
      const map = /^rtpmap:(\d+) ([\w.-]+)\/(\d+)/.exec(value);
      if (map) {
        const f = media.formats.find((x) => x.payload === Number(map[1]));
        if (f) Object.assign(f, { name: map[2]!, rate: Number(map[3]) });
      }
      const fmtp = /^fmtp:(\d+) (.*)$/.exec(value);
      if (fmtp) {
        const f = media.formats.find((x) => x.payload === Number(fmtp[1]));
        if (f) f.fmtp = fmtp[2];
      }
      const ptime = /^ptime:(\d+)/.exec(value);
      if (ptime) media.ptime = Number(ptime[1]);
      const rtcp = /^rtcp:(\d+)(?: IN IP[46] (\S+))?/.exec(value);
      if (rtcp && Number(rtcp[1]) > 0 && Number(rtcp[1]) < 65536)
        media.rtcp = { port: Number(rtcp[1]), address: rtcp[2] ?? null };
    }
  }
  if (!media) throw new SipParseError('the offer has no audio stream');
  if (!media.address) throw new SipParseError('the offer has no connection address');
  return media;
}

export interface Answer {
  /** The codec chosen (PCMU or PCMA), or null when the offer has neither. */
  codec: PayloadFormat | null;
  /** The RFC 4733 telephone-event format, when offered (DTMF as RTP events). */
  dtmf: PayloadFormat | null;
}

/** What we take of an offer: the first of PCMU and PCMA in its order, and telephone-event. */
export function chooseFormats(offer: AudioOffer): Answer {
  const codec =
    offer.formats.find((f) => ['PCMU', 'PCMA'].includes(f.name.toUpperCase()) && f.rate === 8000) ??
    null;
  const dtmf =
    offer.formats.find((f) => f.name.toLowerCase() === 'telephone-event' && f.rate === 8000) ??
    null;
  return { codec, dtmf };
}

/** Our SDP answer (RFC 3264): one audio stream on our RTP port with the chosen formats. */
export function buildAnswer(p: {
  address: string;
  port: number;
  sessionId: number;
  codec: PayloadFormat;
  dtmf: PayloadFormat | null;
  direction?: AudioOffer['direction'];
  /** Our RTCP port when it is not the RTP port + 1 (RFC 3605). */
  rtcpPort?: number;
}): string {
  return describeAudio(p, [p.codec, ...(p.dtmf ? [p.dtmf] : [])]);
}

/** What we offer when we place a call: G.711 both ways, in the order we prefer them, and RFC 4733. */
export const OFFERED_FORMATS: readonly PayloadFormat[] = [
  { payload: 0, name: 'PCMU', rate: 8000 },
  { payload: 8, name: 'PCMA', rate: 8000 },
  { payload: 101, name: 'telephone-event', rate: 8000 },
];

/** Our SDP offer (RFC 3264) for a call we place: one audio stream with OFFERED_FORMATS. */
export function buildOffer(p: {
  address: string;
  port: number;
  sessionId: number;
  rtcpPort?: number;
}): string {
  return describeAudio(p, OFFERED_FORMATS);
}

/**
 * What the far end answered to our offer: the codec it chose (the first of ours in its answer)
 * and telephone-event if it kept it. A codec we did not offer is not taken.
 */
export function answeredFormats(answer: AudioOffer): Answer {
  const ours = (f: PayloadFormat) =>
    OFFERED_FORMATS.some((o) => o.name.toUpperCase() === f.name.toUpperCase());
  return chooseFormats({ ...answer, formats: answer.formats.filter(ours) });
}

/** One audio stream on our RTP port with these formats (offer or answer alike). */
function describeAudio(
  p: {
    address: string;
    port: number;
    sessionId: number;
    direction?: AudioOffer['direction'];
    rtcpPort?: number;
  },
  formats: readonly PayloadFormat[],
): string {
  const ip = p.address.includes(':') ? 'IP6' : 'IP4';
  const dtmf = formats.find((f) => f.name.toLowerCase() === 'telephone-event');
  return [
    'v=0',
    `o=switchboard ${p.sessionId} ${p.sessionId} IN ${ip} ${p.address}`,
    's=Switchboard',
    `c=IN ${ip} ${p.address}`,
    't=0 0',
    `m=audio ${p.port} RTP/AVP ${formats.map((f) => f.payload).join(' ')}`,
    ...formats.map((f) => `a=rtpmap:${f.payload} ${f.name}/${f.rate}`),
    ...(dtmf ? [`a=fmtp:${dtmf.payload} 0-16`] : []),
    'a=ptime:20',
    ...(p.rtcpPort !== undefined ? [`a=rtcp:${p.rtcpPort}`] : []),
    `a=${p.direction ?? 'sendrecv'}`,
    '',
  ].join('\r\n');
}
