import { api, ApiError, savedToken } from '../../api';

export const GREETING_KINDS = ['unavailable', 'busy', 'name'] as const;
export type GreetingKind = (typeof GREETING_KINDS)[number];

export interface GreetingInfo {
  kind: GreetingKind;
  contentType: string;
  size: number;
  durationMs: number;
  updatedAt: string;
}

export interface GreetingList {
  greetings: GreetingInfo[];
  limits: { maxBytes: number; maxSeconds: number };
}

export const listGreetings = () => api<GreetingList>('GET', '/me/greetings');

export const deleteGreeting = (kind: GreetingKind) => api<void>('DELETE', `/me/greetings/${kind}`);

/** The greeting's audio for an <audio> element, which cannot send a header: the token rides along. */
export function greetingUrl(kind: GreetingKind): string {
  return `/api/v1/me/greetings/${kind}?token=${encodeURIComponent(savedToken() ?? '')}`;
}

/** Sends the audio as the raw body with its own type, the way the API takes greetings. */
export async function saveGreeting(kind: GreetingKind, audio: Blob): Promise<GreetingInfo> {
  const res = await fetch(`/api/v1/me/greetings/${kind}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${savedToken() ?? ''}`,
      accept: 'application/json',
      // A file the browser cannot type goes as bytes; the server then says it wants audio.
      'content-type': audio.type || 'application/octet-stream',
    },
    body: audio,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new ApiError(res.status, String(data.title ?? res.statusText), String(data.detail ?? ''));
  return data as GreetingInfo;
}
