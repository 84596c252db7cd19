/**
 * The voice messenger's wire shapes (docs/ivm-protocol.md): JSON message objects in text frames,
 * and binary frames of an 8-byte header (stream id, sequence number, both big-endian) and one
 * Opus packet.
 */

export type Presence = 'available' | 'busy' | 'away' | 'offline';
export type OwnStatus = Exclude<Presence, 'offline'>;
export type ContactState = 'accepted' | 'requested' | 'incoming';

export interface Contact {
  address: string;
  name: string;
  state: ContactState;
  status: Presence;
}

export interface Group {
  name: string;
  members: string[];
}

/** One JSON frame, either way. */
export interface IvmFrame {
  action: string;
  id?: string | null;
  source?: string;
  destination?: string | string[];
  object?: Record<string, unknown>;
}

export interface Session {
  address: string;
  name: string;
  device: string;
  heartbeatSeconds: number;
  status: OwnStatus;
  allowAnyone: boolean;
  limits: {
    maxFrameBytes: number;
    maxSeconds: number;
    controlPerSecond: number;
    audioFramesPerSecond: number;
  };
  contacts: Contact[];
  groups: Group[];
}

/** A stored voice message as the server pushes it (`post` with `live: false`). */
export interface StoredVoice {
  id: string;
  type: string;
  receivedAt: string;
  durationMs: number | null;
  waveform: number[] | null;
  subject: string | null;
  played: boolean;
  audio: string;
  attachments: Array<{ filename?: string | null; contentType?: string; url?: string }>;
  clientId?: string | null;
}

export const HEADER_BYTES = 8;
/** The largest Opus packet (RFC 6716 §3.2.1). */
export const MAX_PACKET_BYTES = 1275;

export function audioFrame(stream: number, sequence: number, packet: Uint8Array): ArrayBuffer {
  const frame = new Uint8Array(HEADER_BYTES + packet.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint32(0, stream >>> 0);
  view.setUint32(4, sequence >>> 0);
  frame.set(packet, HEADER_BYTES);
  return frame.buffer;
}

export function readAudioFrame(
  data: ArrayBuffer,
): { stream: number; sequence: number; packet: Uint8Array } | null {
  if (data.byteLength <= HEADER_BYTES) return null;
  const view = new DataView(data);
  return {
    stream: view.getUint32(0),
    sequence: view.getUint32(4),
    packet: new Uint8Array(data, HEADER_BYTES),
  };
}

/** Client frame ids and post ids: UUIDs fit the protocol's 1–64 `[A-Za-z0-9._:-]`. */
export function newId(): string {
  return crypto.randomUUID();
}
