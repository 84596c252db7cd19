import type { ParsedMail } from 'mailparser';
import { smtpError } from './smtp-common.js';
import type { MailParts } from './mime-parts.js';

/** What a fax can carry: documents and images the media graph turns into fax pages. */
const FAXABLE = ['application/pdf', 'image/tiff', 'image/png', 'image/jpeg'];

/**
 * A mail to fax addresses as the parts of a fax: the body text first (the cover note), then
 * each document. An attachment no fax can carry is refused by name, so the sender knows what
 * to convert; a mail with neither text nor documents has nothing to send.
 */
export function faxParts(mail: ParsedMail): MailParts {
  const parts: MailParts['parts'] = [];
  const note = mail.text?.trim();
  if (note)
    parts.push({ contentType: 'text/plain; charset=utf-8', content: Buffer.from(note, 'utf8') });
  for (const a of mail.attachments) {
    const type = a.contentType.toLowerCase();
    if (!FAXABLE.some((t) => type.startsWith(t)))
      throw smtpError(
        550,
        `5.6.0 ${a.filename ?? 'an attachment'} (${type}) cannot be faxed; attach PDF, TIFF, PNG or JPEG`,
      );
    parts.push({
      contentType: a.contentType,
      filename: a.filename ?? null,
      disposition: 'attachment',
      content: a.content,
    });
  }
  if (parts.length === 0)
    throw smtpError(550, '5.6.0 the fax is empty; attach a PDF or TIFF or write the text to send');
  return { type: 'fax', subject: mail.subject ?? null, durationMs: null, parts };
}
