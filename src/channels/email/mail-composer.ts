import type Mail from 'nodemailer/lib/mailer/index.js';
import type { SendRequest } from '../../core/delivery.js';

/** The mailbox part of a URI: mailto:ann@x → ann@x; other schemes have no mail address. */
export function mailAddress(uri: string): string | null {
  return uri.startsWith('mailto:') ? uri.slice(7) : null;
}

/**
 * What goes on the wire for a delivery, independent of how it travels (smarthost or MX): the
 * message as MIME with its original parts. The delivery id is the Message-ID's local part, so
 * repeats and the DSNs that come back are recognisable.
 */
export async function composeMail(request: SendRequest, hostname: string): Promise<Mail.Options> {
  const { delivery, message } = request;
  const originals = message.parts.filter((p) => p.derivedFrom === null);
  const text = originals.find((p) => p.contentType.startsWith('text/plain') && !p.filename);
  const html = originals.find((p) => p.contentType.startsWith('text/html') && !p.filename);
  const attachments: Mail.Attachment[] = [];
  for (const p of originals)
    if (p !== text && p !== html)
      attachments.push({
        filename: p.filename ?? `part-${p.index}`,
        contentType: p.contentType,
        content: await request.part(p.index),
      });
  return {
    from: mailAddress(message.from) ?? `postmaster@${hostname}`,
    to: mailAddress(delivery.recipient) ?? undefined,
    subject: message.subject ?? '',
    messageId: `<${delivery.id}@${hostname}>`,
    date: new Date(message.createdAt),
    text: text ? (await request.part(text.index)).toString('utf8') : undefined,
    html: html ? (await request.part(html.index)).toString('utf8') : undefined,
    attachments,
    headers: { 'X-Switchboard-Delivery': delivery.id },
  };
}
