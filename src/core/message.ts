export const MESSAGE_TYPES = [
  'voice',
  'fax',
  'email',
  'sms',
  'video',
  'image',
  'text',
  'ivm',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** `junk` takes inbound mail that failed its sender checks, when the operator's policy says so. */
export const SYSTEM_FOLDERS = ['inbox', 'saved', 'trash', 'archive', 'sent', 'junk'] as const;
export type SystemFolder = (typeof SYSTEM_FOLDERS)[number];
/** A system folder or a user folder name. */
export type Folder = string;

export interface Part {
  /** 1-based, stable; the address of the part within its message. */
  index: number;
  contentType: string;
  filename: string | null;
  disposition: 'inline' | 'attachment';
  size: number;
  sha256: string;
  /** A rendition records its source part and the converter that made it. */
  derivedFrom: number | null;
  converter: string | null;
}

export interface Message {
  id: string;
  mailboxId: string;
  type: MessageType;
  folder: Folder;
  /** Where a message in trash came from, so that restore puts it back. */
  previousFolder: Folder | null;
  from: string;
  to: string[];
  subject: string | null;
  read: boolean;
  urgent: boolean;
  createdAt: string;
  accessedAt: string | null;
  expiresAt: string | null;
  size: number;
  durationMs: number | null;
  pages: number | null;
  /** Mail: how the sender's domain was verified (RFC 8601 Authentication-Results), else null. */
  authResults: string | null;
  parts: Part[];
}

export interface MessageQuery {
  folder?: Folder;
  type?: MessageType;
  unread?: boolean;
  /** Full-text words over subject and text parts. */
  q?: string;
  limit?: number;
  /** Return messages older than this id (ids sort by time). */
  before?: string;
}

export interface MessagePatch {
  read?: boolean;
  urgent?: boolean;
  folder?: Folder;
}

export function isSystemFolder(folder: string): folder is SystemFolder {
  return (SYSTEM_FOLDERS as readonly string[]).includes(folder);
}

const FOLDER_NAME = /^[\p{L}\p{N} _.-]{1,64}$/u;
export function isValidFolderName(folder: string): boolean {
  return FOLDER_NAME.test(folder) && folder.trim() === folder;
}
