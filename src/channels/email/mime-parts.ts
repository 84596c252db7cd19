import type { ParsedMail } from 'mailparser';
import type { MessageType } from '../../core/message.js';

export interface MailParts {
  type: MessageType;
  subject: string | null;
  parts: Array<{
    contentType: string;
    filename?: string | null;
    disposition?: 'inline' | 'attachment';
    content: Buffer;
  }>;
}

/**
 * A parsed mail as intake parts: the text body, the HTML body, then each attachment. A mail
 * that carries audio is a voice message; one that carries a TIFF fax is a fax; otherwise email.
 */
export function mailParts(mail: ParsedMail): MailParts {
  const parts: MailParts['parts'] = [];
  if (mail.text)
    parts.push({
      contentType: 'text/plain; charset=utf-8',
      content: Buffer.from(mail.text, 'utf8'),
    });
  if (typeof mail.html === 'string' && mail.html)
    parts.push({
      contentType: 'text/html; charset=utf-8',
      content: Buffer.from(mail.html, 'utf8'),
    });
  for (const a of mail.attachments)
    parts.push({
      contentType: a.contentType || 'application/octet-stream',
      filename: a.filename ?? null,
      disposition: a.contentDisposition === 'inline' ? 'inline' : 'attachment',
      content: a.content,
    });
  const types = mail.attachments.map((a) => a.contentType.toLowerCase());
  const type: MessageType = types.some((t) => t.startsWith('audio/'))
    ? 'voice'
    : types.some((t) => t.startsWith('image/tiff'))
      ? 'fax'
      : 'email';
  return { type, subject: mail.subject ?? null, parts };
}
