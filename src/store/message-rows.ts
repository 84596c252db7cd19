import type { Message, MessageType, Part } from '../core/message.js';
import type { MessagesTable, PartsTable } from './schema.js';

export function toPart(row: PartsTable): Part {
  return {
    index: row.idx,
    contentType: row.content_type,
    filename: row.filename,
    disposition: row.disposition as Part['disposition'],
    size: Number(row.size),
    sha256: row.sha256,
    derivedFrom: row.derived_from,
    converter: row.converter,
  };
}

export function toMessage(row: MessagesTable, parts: PartsTable[]): Message {
  return {
    id: row.id,
    mailboxId: row.mailbox_id,
    type: row.type as MessageType,
    folder: row.folder,
    previousFolder: row.previous_folder,
    from: row.from_address,
    to: JSON.parse(row.to_addresses) as string[],
    subject: row.subject,
    read: row.is_read === 1,
    urgent: row.urgent === 1,
    createdAt: row.created_at,
    accessedAt: row.accessed_at,
    expiresAt: row.expires_at,
    size: Number(row.size),
    durationMs: row.duration_ms,
    pages: row.pages,
    authResults: row.auth_results,
    parts: parts.map(toPart).sort((a, b) => a.index - b.index),
  };
}
