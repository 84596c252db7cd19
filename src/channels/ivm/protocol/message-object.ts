/**
 * The JSON message objects of the voice messenger (docs/ivm-protocol.md): parsing and shape
 * checks of what a client sends. Nothing here throws on bad input: a parse gives either a
 * frame or an error code with the reason, which the connection sends back as an `error`.
 */

export const CLIENT_ACTIONS = [
  'connect',
  'ping',
  'status',
  'subscribe',
  'unsubscribe',
  'post',
  'control',
  'disconnect',
] as const;
export type ClientAction = (typeof CLIENT_ACTIONS)[number];

export const PRESENCE_STATUSES = ['available', 'busy', 'away'] as const;
export type SettableStatus = (typeof PRESENCE_STATUSES)[number];
export type PresenceStatus = SettableStatus | 'offline';

export type ErrorCode =
  | 'bad-json'
  | 'invalid'
  | 'unknown-action'
  | 'not-connected'
  | 'forbidden'
  | 'not-a-contact'
  | 'unknown'
  | 'unknown-stream'
  | 'out-of-order'
  | 'too-large'
  | 'too-many-streams'
  | 'rate-limited';

export interface MessageObject {
  action: string;
  id?: string | null;
  source?: string;
  destination?: string | string[];
  object?: unknown;
}

export interface ClientFrame {
  action: ClientAction;
  id: string | null;
  source: string | null;
  destination: string[];
  object: Record<string, unknown>;
}

export interface FrameError {
  code: ErrorCode;
  message: string;
  id: string | null;
}

const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const DEVICE = /^[\x21-\x7e]{1,64}$/;
const MAX_DESTINATIONS = 100;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A text frame to a client frame, or the error to answer with. */
export function parseClientFrame(text: string): ClientFrame | FrameError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { code: 'bad-json', message: 'the frame is not JSON', id: null };
  }
  if (!isObject(value))
    return { code: 'bad-json', message: 'the frame is not a JSON object', id: null };
  const rawId = value.id;
  const id = typeof rawId === 'string' && ID.test(rawId) ? rawId : null;
  const fail = (code: ErrorCode, message: string): FrameError => ({ code, message, id });
  if (rawId !== undefined && rawId !== null && id === null)
    return fail('invalid', 'id must be 1-64 characters of [A-Za-z0-9._:-]');
  if (typeof value.action !== 'string') return fail('invalid', 'action must be a string');
  if (!(CLIENT_ACTIONS as readonly string[]).includes(value.action))
    return fail('unknown-action', `unknown action "${value.action.slice(0, 40)}"`);
  if (value.source !== undefined && value.source !== null && typeof value.source !== 'string')
    return fail('invalid', 'source must be a string');
  let destination: string[] = [];
  if (typeof value.destination === 'string') destination = [value.destination];
  else if (Array.isArray(value.destination)) {
    if (!value.destination.every((d) => typeof d === 'string' && d.length > 0 && d.length <= 320))
      return fail('invalid', 'destination must be an address or a list of addresses');
    destination = value.destination as string[];
  } else if (value.destination !== undefined && value.destination !== null)
    return fail('invalid', 'destination must be an address or a list of addresses');
  if (destination.length > MAX_DESTINATIONS)
    return fail('invalid', `at most ${MAX_DESTINATIONS} destinations`);
  if (value.object !== undefined && value.object !== null && !isObject(value.object))
    return fail('invalid', 'object must be a JSON object');
  const frame: ClientFrame = {
    action: value.action as ClientAction,
    id,
    source: typeof value.source === 'string' ? value.source : null,
    destination,
    object: isObject(value.object) ? value.object : {},
  };
  const problem = checkObject(frame);
  return problem ? fail('invalid', problem) : frame;
}

export function isFrameError(v: ClientFrame | FrameError): v is FrameError {
  return 'code' in v;
}

/** The action-specific shape; a reason when it is wrong. */
function checkObject(frame: ClientFrame): string | null {
  const o = frame.object;
  switch (frame.action) {
    case 'connect':
      if (typeof o.device !== 'string' || !DEVICE.test(o.device))
        return 'object.device must be 1-64 printable characters';
      if (o.status !== undefined && !isSettableStatus(o.status))
        return 'object.status must be available, busy or away';
      if (
        o.after !== undefined &&
        o.after !== null &&
        (typeof o.after !== 'string' || !ID.test(o.after))
      )
        return 'object.after must be a message id';
      return null;
    case 'status':
      return isSettableStatus(o.status) ? null : 'object.status must be available, busy or away';
    case 'subscribe':
    case 'unsubscribe':
      return frame.destination.length === 1 ? null : 'destination must name one address';
    case 'post':
      return checkPost(frame);
    case 'control':
      return checkControl(o);
    default:
      return null;
  }
}

export function isSettableStatus(v: unknown): v is SettableStatus {
  return typeof v === 'string' && (PRESENCE_STATUSES as readonly string[]).includes(v);
}

const isStreamId = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 0xffff_ffff;

export interface PostAttachment {
  filename: string;
  contentType: string;
  content: string;
}

export interface PostObject {
  mode: 'intercom' | 'record' | null;
  stream: number;
  subject: string | null;
  attachments: PostAttachment[];
}

function checkPost(frame: ClientFrame): string | null {
  const o = frame.object;
  if (frame.id === null) return 'a post needs an id (the message id the client made)';
  if (frame.destination.length === 0) return 'a post needs a destination';
  if (o.mode !== undefined && o.mode !== 'intercom' && o.mode !== 'record')
    return 'object.mode must be intercom or record';
  if (!isStreamId(o.stream)) return 'object.stream must be an integer from 1 to 4294967295';
  if (o.codec !== undefined && o.codec !== 'opus') return 'object.codec must be opus';
  if (o.sampleRate !== undefined && o.sampleRate !== 48000)
    return 'object.sampleRate must be 48000';
  if (o.channels !== undefined && o.channels !== 1) return 'object.channels must be 1';
  if (o.frameMs !== undefined && o.frameMs !== 20) return 'object.frameMs must be 20';
  if (
    o.subject !== undefined &&
    o.subject !== null &&
    (typeof o.subject !== 'string' || o.subject.length > 998)
  )
    return 'object.subject must be a string of at most 998 characters';
  if (o.attachments !== undefined) {
    if (!Array.isArray(o.attachments) || o.attachments.length > 20)
      return 'object.attachments must be a list of at most 20';
    for (const a of o.attachments as unknown[])
      if (
        !isObject(a) ||
        typeof a.filename !== 'string' ||
        a.filename.length === 0 ||
        a.filename.length > 255 ||
        typeof a.contentType !== 'string' ||
        !/^[\w.+-]+\/[\w.+-]+/.test(a.contentType) ||
        typeof a.content !== 'string' ||
        !/^[A-Za-z0-9+/]*={0,2}$/.test(a.content)
      )
        return 'each attachment needs filename, contentType and base64 content';
  }
  return null;
}

/** The post's object, once checked. */
export function postObject(frame: ClientFrame): PostObject {
  const o = frame.object;
  return {
    mode: (o.mode as PostObject['mode']) ?? null,
    stream: o.stream as number,
    subject: typeof o.subject === 'string' ? o.subject : null,
    attachments: (o.attachments as PostAttachment[] | undefined) ?? [],
  };
}

export const CONTROL_COMMANDS = [
  'end',
  'cancel',
  'played',
  'delivered',
  'contacts',
  'group',
  'groups',
  'settings',
] as const;

function checkControl(o: Record<string, unknown>): string | null {
  switch (o.command) {
    case 'end':
    case 'cancel':
      return isStreamId(o.stream) ? null : 'object.stream must be a stream id';
    case 'played':
    case 'delivered':
      return typeof o.message === 'string' && ID.test(o.message)
        ? null
        : 'object.message must be a message id';
    case 'contacts':
    case 'groups':
      return null;
    case 'group':
      if (typeof o.name !== 'string' || !/^[\p{L}\p{N} _.-]{1,64}$/u.test(o.name))
        return 'object.name must be 1-64 letters, digits, spaces, _ . or -';
      if (
        !Array.isArray(o.members) ||
        o.members.length > 100 ||
        !o.members.every((m) => typeof m === 'string')
      )
        return 'object.members must be a list of at most 100 addresses';
      return null;
    case 'settings':
      return typeof o.allowAnyone === 'boolean' ? null : 'object.allowAnyone must be true or false';
    default:
      return `object.command must be one of ${CONTROL_COMMANDS.join(', ')}`;
  }
}

/** What the server sends: the same shape, `id` null when there is none. */
export function serverFrame(
  action: string,
  fields: { id?: string | null; source?: string; destination?: string | string[]; object: unknown },
): string {
  return JSON.stringify({ action, id: fields.id ?? null, ...fields, object: fields.object });
}

export function errorFrame(code: ErrorCode, message: string, id: string | null): string {
  return JSON.stringify({ action: 'error', id, object: { code, message } });
}
