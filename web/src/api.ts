/** The REST API as the web app uses it: bearer token, JSON, problem details as errors. */

export interface Part {
  index: number;
  contentType: string;
  filename: string | null;
  disposition: 'inline' | 'attachment';
  size: number;
  derivedFrom: number | null;
  converter: string | null;
}

export interface Message {
  id: string;
  type: string;
  folder: string;
  previousFolder: string | null;
  from: string;
  to: string[];
  subject: string | null;
  read: boolean;
  urgent: boolean;
  createdAt: string;
  size: number;
  durationMs: number | null;
  pages: number | null;
  authResults: string | null;
  parts: Part[];
}

export interface Me {
  id: string;
  name: string;
  addresses: string[];
  language: string;
  timeZone: string;
  role: 'subscriber' | 'admin';
  [key: string]: unknown;
}

/** An RFC 9457 problem: `detail` says what went wrong and what to do. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail || title);
  }
}

const TOKEN_KEY = 'switchboard.token';

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string | null, remember = false): void {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
  if (token) (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = savedToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const p = (typeof data === 'object' && data) || {};
    throw new ApiError(res.status, String(p.title ?? res.statusText), String(p.detail ?? ''));
  }
  return data as T;
}

/**
 * A URL for a part that <audio>, <img> and links can load: media elements cannot send an
 * Authorization header, so the token rides in the query (the API accepts `?token=`).
 */
export function partUrl(
  messageId: string,
  index: number,
  options: { format?: string; download?: boolean } = {},
): string {
  const q = new URLSearchParams({ token: savedToken() ?? '' });
  if (options.format) q.set('format', options.format);
  if (options.download) q.set('download', '1');
  return `/api/v1/messages/${encodeURIComponent(messageId)}/parts/${index}?${q}`;
}

/**
 * The part to play for a recording: a voice message's treated rendition (denoised, loudness-
 * normalised by the server after storing) when it has one, else the recording itself.
 */
export function playablePart(message: Message, recording: Part): Part {
  return (
    message.parts.find(
      (p) => p.derivedFrom === recording.index && p.converter === 'voice-treatment',
    ) ?? recording
  );
}

/**
 * A link to a GET endpoint that a plain <a download> can follow: like partUrl, the token rides in
 * the query because a link cannot send an Authorization header.
 */
export function apiLink(path: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams({ ...params, token: savedToken() ?? '' });
  return `/api/v1${path}?${q}`;
}

/** The live event stream of the signed-in mailbox. */
export function mailboxEvents(onEvent: (event: { type: string; messageId?: string }) => void) {
  const source = new EventSource(`/api/v1/events?token=${encodeURIComponent(savedToken() ?? '')}`);
  const handle = (e: MessageEvent<string>) => {
    try {
      onEvent(JSON.parse(e.data));
    } catch {
      /* a heartbeat or a malformed line: nothing to show */
    }
  };
  source.onmessage = handle;
  for (const type of ['message.created', 'message.updated', 'message.deleted'])
    source.addEventListener(type, handle as EventListener);
  return () => source.close();
}

/** What people type as an address, as the API's URI: +49... is a number, a@b a mailbox. */
export function toUri(address: string): string {
  const a = address.trim();
  if (/^[a-z]+:/i.test(a)) return a;
  if (/^\+?[0-9 ()./-]+$/.test(a)) return `tel:${a.replace(/[^0-9+]/g, '')}`;
  return `mailto:${a}`;
}

/** An address as people read it: the number or mailbox without its URI scheme. */
export function shown(uri: string): string {
  return uri.replace(/^(tel|mailto|sips?|ivm):/, '');
}

export function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** One conversation: the SMS with one other party (GET /conversations). */
export interface Conversation {
  party: string;
  lastMessageId: string;
  lastAt: string;
  lastDirection: 'in' | 'out';
  lastText: string;
  total: number;
  unread: number;
}

export type SentStatus = 'sending' | 'sent' | 'delivered' | 'failed';

/** A text in a conversation, either way; sent ones carry how far they got. */
export interface ThreadMessage {
  id: string;
  direction: 'in' | 'out';
  createdAt: string;
  read: boolean;
  text: string;
  status: SentStatus | null;
  error: string | null;
}

/** The path of a conversation's endpoints: the party is a URI (`tel:+49...`), so it is encoded. */
export function conversationPath(party: string, rest = 'messages'): string {
  return `/conversations/${encodeURIComponent(party)}/${rest}`;
}

/** The app's link to a conversation: the number as people read it. */
export function conversationHref(party: string): string {
  return `#/sms/${encodeURIComponent(shown(party))}`;
}

/** The subscriber's own number, which their SMS come from; null when they have none. */
export function ownNumber(me: Me): string | null {
  return me.addresses.find((a) => a.startsWith('tel:')) ?? null;
}
