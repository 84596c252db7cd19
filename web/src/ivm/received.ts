import { api, playablePart, type Message } from '../api';
import type { StoredVoice } from './frames';

/** A voice message someone sent me. */
export interface Received {
  id: string;
  from: string;
  fromName: string | null;
  receivedAt: string;
  durationMs: number | null;
  /** Peaks from the push; null for ones listed from the mailbox (the player fetches them). */
  waveform: number[] | null;
  audio: string;
  played: boolean;
  subject: string | null;
  attachments: Array<{ filename: string; url: string }>;
}

/** A stored message as the connection pushes it. */
export function fromPush(m: StoredVoice, from: string, fromName: string | null): Received {
  return {
    id: m.id,
    from,
    fromName,
    receivedAt: m.receivedAt,
    durationMs: m.durationMs ?? null,
    waveform: Array.isArray(m.waveform) ? m.waveform : null,
    audio: m.audio,
    played: !!m.played,
    subject: m.subject ?? null,
    attachments: (m.attachments ?? [])
      .filter((a) => a.url)
      .map((a) => ({ filename: a.filename || 'file', url: a.url! })),
  };
}

/** The part to play: the treated rendition of the first original audio part, else that part. */
function audioPart(m: Message): number {
  const part = m.parts.find((p) => p.contentType.startsWith('audio/') && p.derivedFrom === null);
  return part ? playablePart(m, part).index : 1;
}

/** The server's `control` `treated`: the message's treated audio and its waveform, in place. */
export function treatedPatch(o: Record<string, unknown>): Partial<Received> | null {
  if (typeof o.audio !== 'string') return null;
  const waveform = Array.isArray(o.waveform) ? (o.waveform as number[]) : null;
  return waveform ? { audio: o.audio, waveform } : { audio: o.audio };
}

function fromMailbox(m: Message): Received {
  const partPath = (index: number) => `/api/v1/messages/${encodeURIComponent(m.id)}/parts/${index}`;
  return {
    id: m.id,
    from: m.from,
    fromName: null,
    receivedAt: m.createdAt,
    durationMs: m.durationMs,
    waveform: null,
    audio: partPath(audioPart(m)),
    played: m.read,
    subject: m.subject,
    attachments: m.parts
      .filter((p) => p.disposition === 'attachment' && p.derivedFrom === null)
      .map((p) => ({ filename: p.filename || 'file', url: partPath(p.index) })),
  };
}

/**
 * Earlier voice messages from the mailbox (REST), so the list is whole after a reload; the
 * connection only pushes what this device has not seen.
 */
export async function mailboxHistory(): Promise<Received[]> {
  const list = await api<{ messages: Message[] }>(
    'GET',
    '/messages?type=ivm&folder=inbox&limit=50',
  );
  return list.messages.map(fromMailbox);
}

/** One entry per message, newest first: a message pushed and listed shows once. */
export function mergeReceived(current: Received[], more: Received[]): Received[] {
  const known = new Set(current.map((r) => r.id));
  return [...current, ...more.filter((r) => !known.has(r.id))].sort((a, b) =>
    a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0,
  );
}
