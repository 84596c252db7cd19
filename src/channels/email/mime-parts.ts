import type { Attachment, ParsedMail } from 'mailparser';
import type { MessageType } from '../../core/message.js';
import { audioDurationMs } from '../../media/duration.js';
import { declaredDurationMs, isVpim, voiceRole } from './vpim.js';

export interface MailParts {
  type: MessageType;
  subject: string | null;
  /** A voice message's length when the mail says it (VPIM's Content-Duration). */
  durationMs: number | null;
  parts: Array<{
    contentType: string;
    filename?: string | null;
    disposition?: 'inline' | 'attachment';
    content: Buffer;
  }>;
}

/** VPIM roles in the order a voice message is stored: the message itself first. */
const VPIM_ROLES: Record<string, { rank: number; filename: string }> = {
  'voice-message': { rank: 0, filename: 'voice-message.726' },
  'originator-spoken-name': { rank: 1, filename: 'spoken-name.726' },
};

function attachmentPart(a: Attachment, filename?: string): MailParts['parts'][number] {
  return {
    contentType: a.contentType || 'application/octet-stream',
    filename: filename ?? a.filename ?? null,
    disposition: a.contentDisposition === 'inline' ? 'inline' : 'attachment',
    content: a.content,
  };
}

/**
 * A VPIM v2 message (RFC 3801) as a voice message: the Voice-Message part first (so it is what
 * plays), then the spoken name and the rest (the sender's vCard), with the declared duration.
 */
function vpimParts(mail: ParsedMail): MailParts {
  const rank = (a: Attachment) => VPIM_ROLES[(voiceRole(a.headers) ?? '').toLowerCase()]?.rank ?? 2;
  const ordered = [...mail.attachments].sort((x, y) => rank(x) - rank(y));
  const voice =
    ordered.find((a) => rank(a) === 0) ?? ordered.find((a) => a.contentType.startsWith('audio/'));
  const parts = ordered.map((a) =>
    attachmentPart(a, VPIM_ROLES[(voiceRole(a.headers) ?? '').toLowerCase()]?.filename),
  );
  if (mail.text)
    parts.push({
      contentType: 'text/plain; charset=utf-8',
      content: Buffer.from(mail.text, 'utf8'),
    });
  return {
    type: voice ? 'voice' : 'email',
    subject: mail.subject ?? null,
    // The bytes say it to the millisecond; Content-Duration only in whole seconds.
    durationMs: voice
      ? (audioDurationMs(voice.contentType, voice.content) ?? declaredDurationMs(voice.headers))
      : null,
    parts,
  };
}

/**
 * A parsed mail as intake parts: the text body, the HTML body, then each attachment. A mail
 * that carries audio is a voice message; one that carries a TIFF fax is a fax; otherwise email.
 */
export function mailParts(mail: ParsedMail): MailParts {
  if (isVpim(mail)) return vpimParts(mail);
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
  for (const a of mail.attachments) parts.push(attachmentPart(a));
  const types = mail.attachments.map((a) => a.contentType.toLowerCase());
  const type: MessageType = types.some((t) => t.startsWith('audio/'))
    ? 'voice'
    : types.some((t) => t.startsWith('image/tiff'))
      ? 'fax'
      : 'email';
  return { type, subject: mail.subject ?? null, durationMs: null, parts };
}
