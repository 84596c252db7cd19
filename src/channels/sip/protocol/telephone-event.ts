/** RFC 4733 2.3: the DTMF digits of events 0-15. */
const DIGITS = '0123456789*#ABCD';

export interface TelephoneEvent {
  digit: string;
  end: boolean;
  volume: number;
  duration: number;
}

/** One telephone-event payload; null for events that are not DTMF digits, or short payloads. */
export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | null {
  if (payload.length < 4 || payload[0]! > 15) return null;
  return {
    digit: DIGITS[payload[0]!]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: payload.readUInt16BE(2),
  };
}

/**
 * Turns the packet stream of RFC 4733 events into digits, once each: an event is its RTP
 * timestamp, which all its packets (the start, the updates, the three repeated ends) share.
 */
export class DtmfReceiver {
  private readonly seen: number[] = [];

  /** The digit this packet starts, or null when it continues or repeats one already taken. */
  packet(timestamp: number, payload: Buffer): string | null {
    const event = parseTelephoneEvent(payload);
    if (!event || this.seen.includes(timestamp)) return null;
    this.seen.push(timestamp);
    if (this.seen.length > 32) this.seen.shift();
    return event.digit;
  }
}
