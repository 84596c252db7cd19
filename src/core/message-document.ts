import { decodeBase64Strict } from '../lib/base64.js';
import { invalid } from './errors.js';
import type { IncomingPart } from './ingest.js';
import { MESSAGE_TYPES, type Message, type MessageType } from './message.js';

/**
 * A message as one self-describing document with its parts (seed 000 claim 17: messages
 * encapsulated as documents), for export, backup and moving between installations.
 */
export const DOCUMENT_FORMAT = 'switchboard.message/1';

export interface MessageDocument {
  format: typeof DOCUMENT_FORMAT;
  message: {
    id: string;
    type: MessageType;
    folder: string;
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
  };
  parts: Array<{
    index: number;
    contentType: string;
    filename: string | null;
    disposition: 'inline' | 'attachment';
    size: number;
    sha256: string;
    derivedFrom: number | null;
    converter: string | null;
    /** The part's bytes, base64. */
    content: string;
  }>;
}

export function toDocument(message: Message, contents: Buffer[]): MessageDocument {
  return {
    format: DOCUMENT_FORMAT,
    message: {
      id: message.id,
      type: message.type,
      folder: message.folder,
      from: message.from,
      to: message.to,
      subject: message.subject,
      read: message.read,
      urgent: message.urgent,
      createdAt: message.createdAt,
      accessedAt: message.accessedAt,
      expiresAt: message.expiresAt,
      size: message.size,
      durationMs: message.durationMs,
      pages: message.pages,
    },
    parts: message.parts.map((p, i) => ({
      index: p.index,
      contentType: p.contentType,
      filename: p.filename,
      disposition: p.disposition,
      size: p.size,
      sha256: p.sha256,
      derivedFrom: p.derivedFrom,
      converter: p.converter,
      content: contents[i]!.toString('base64'),
    })),
  };
}

/** Checks a document read from outside and returns its parts' bytes, verified against their sizes. */
export function partsOfDocument(doc: MessageDocument): IncomingPart[] {
  if (doc.format !== DOCUMENT_FORMAT)
    throw invalid(`unknown document format "${doc.format}"; expected ${DOCUMENT_FORMAT}`);
  if (!MESSAGE_TYPES.includes(doc.message.type))
    throw invalid(`unknown message type "${doc.message.type}"`);
  const sorted = [...doc.parts].sort((a, b) => a.index - b.index);
  return sorted.map((p, i) => {
    if (p.index !== i + 1) throw invalid('part indexes must run 1, 2, 3, ...');
    const content = decodeBase64Strict(p.content);
    if (!content) throw invalid(`part ${p.index} is not valid base64`);
    if (content.length !== p.size)
      throw invalid(`part ${p.index} has ${content.length} bytes but declares ${p.size}`);
    return {
      contentType: p.contentType,
      filename: p.filename,
      disposition: p.disposition,
      content,
      derivedFrom: p.derivedFrom,
      converter: p.converter,
    };
  });
}
