import type Mail from 'nodemailer/lib/mailer/index.js';
import type { SendRequest } from '../../core/delivery.js';
import { textsFor } from '../../notify/templates.js';
import type { Part } from '../../core/message.js';
import { composeVpim } from './vpim.js';

/** The mailbox part of a URI: mailto:ann@x → ann@x; other schemes have no mail address. */
export function mailAddress(uri: string): string | null {
  return uri.startsWith('mailto:') ? uri.slice(7) : null;
}

/** What composing needs beyond the delivery: who sends, which peers take VPIM, speech. */
export interface ComposeContext {
  hostname: string;
  /** Mail domains of VPIM peer voicemail systems. */
  vpimDomains: readonly string[];
  sender(
    subscriberId: string,
  ): Promise<{ name: string; language: string; addresses: string[] } | null>;
  /** Text spoken by text-to-speech, in the given audio format. */
  speak(text: string, language: string, format: string): Promise<Buffer>;
}

const isVoice = (type: string) => type === 'voice' || type === 'ivm';
const originals = (parts: Part[]) => parts.filter((p) => p.derivedFrom === null);

/**
 * What goes on the wire for a delivery, independent of how it travels (smarthost or MX): a
 * notice with the recording or fax attached, a VPIM v2 message for a peer voicemail system, or
 * the message as MIME with its original parts. The delivery id is the Message-ID's local part,
 * so repeats and the DSNs that come back are recognisable.
 */
export async function composeMail(
  request: SendRequest,
  ctx: ComposeContext,
): Promise<Mail.Options> {
  const { delivery, message } = request;
  if (delivery.kind === 'notification') return composeNotice(request, ctx);
  const domain = (mailAddress(delivery.recipient) ?? '').split('@')[1]?.toLowerCase() ?? '';
  const audio = originals(message.parts).find((p) => p.contentType.startsWith('audio/'));
  if (isVoice(message.type) && audio && ctx.vpimDomains.includes(domain))
    return composeVpimMail(request, ctx, audio);
  return composeMessage(request, ctx);
}

async function composeMessage(request: SendRequest, ctx: ComposeContext): Promise<Mail.Options> {
  const { delivery, message } = request;
  const parts = originals(message.parts);
  const text = parts.find((p) => p.contentType.startsWith('text/plain') && !p.filename);
  const html = parts.find((p) => p.contentType.startsWith('text/html') && !p.filename);
  const attachments: Mail.Attachment[] = [];
  for (const p of parts)
    if (p !== text && p !== html)
      attachments.push({
        filename: p.filename ?? `part-${p.index}`,
        contentType: p.contentType,
        content: await request.part(p.index),
      });
  return {
    from: mailAddress(message.from) ?? `postmaster@${ctx.hostname}`,
    to: mailAddress(delivery.recipient) ?? undefined,
    subject: message.subject ?? '',
    messageId: `<${delivery.id}@${ctx.hostname}>`,
    date: new Date(message.createdAt),
    text: text ? (await request.part(text.index)).toString('utf8') : undefined,
    html: html ? (await request.part(html.index)).toString('utf8') : undefined,
    attachments,
    headers: { 'X-Switchboard-Delivery': delivery.id },
  };
}

/**
 * The classic voicemail-to-email: the notice's templated subject and text (caller, length,
 * time, in the subscriber's language), the recording attached as MP3 and a fax as PDF, so any
 * mail program plays or shows it. A conversion that fails attaches the original instead.
 */
async function composeNotice(request: SendRequest, ctx: ComposeContext): Promise<Mail.Options> {
  const { delivery, message } = request;
  const notice = delivery.payload ?? {};
  const parts = originals(message.parts);
  const stamp = message.createdAt.slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const attachments: Mail.Attachment[] = [];
  const attach = async (part: Part, format: string, filename: string) => {
    try {
      const content = await request.rendition(part.index, format);
      attachments.push({ filename, contentType: format, content });
    } catch {
      attachments.push({
        filename: part.filename ?? `${filename.split('.')[0]}-original`,
        contentType: part.contentType,
        content: await request.part(part.index),
      });
    }
  };
  const audio = parts.find((p) => p.contentType.startsWith('audio/'));
  const document = parts.find(
    (p) => p.contentType.startsWith('image/tiff') || p.contentType.startsWith('application/pdf'),
  );
  // A digest lists several messages with their links; it carries none of them.
  const digest = notice.notice === 'digest';
  if (isVoice(message.type) && audio && !digest)
    await attach(audio, 'audio/mpeg', `voice-message-${stamp}.mp3`);
  if (message.type === 'fax' && document && !digest)
    await attach(document, 'application/pdf', `fax-${stamp}.pdf`);
  // A transcript made already goes in the body; the notice is not held up to make one.
  const transcript = message.parts.find(
    (p) => p.derivedFrom === audio?.index && p.contentType.startsWith('text/plain'),
  );
  const said =
    transcript && !digest ? (await request.part(transcript.index)).toString('utf8').trim() : '';
  const code = notice.notice === 'new-message' ? await request.noticeCode() : null;
  // A digest's text carries each message's link; the newest one's alone would mislead.
  const links = digest
    ? ''
    : textsFor(String(notice.language ?? 'en')).noticeLinks({
        link: request.messageLink(),
        call: code?.call ?? null,
      });
  const text =
    String(notice.text ?? `New message from ${message.from}`) + (links ? `\n\n${links}` : '');
  return {
    from: { name: 'Switchboard', address: `notifications@${ctx.hostname}` },
    to: mailAddress(delivery.recipient) ?? undefined,
    subject: String(notice.subject ?? message.subject ?? 'New message'),
    messageId: `<${delivery.id}@${ctx.hostname}>`,
    text: said ? `${text}\n\n${said}\n` : `${text}\n`,
    attachments,
    headers: {
      'X-Switchboard-Delivery': delivery.id,
      'X-Switchboard-Message': message.id,
      // RFC 3834: automatic replies must not answer this.
      'Auto-Submitted': 'auto-generated',
    },
  };
}

/** A voice message for a VPIM peer: G.726-32 audio, the sender's name spoken, their vCard. */
async function composeVpimMail(
  request: SendRequest,
  ctx: ComposeContext,
  audio: Part,
): Promise<Mail.Options> {
  const { delivery, message } = request;
  const to = mailAddress(delivery.recipient)!;
  const from = mailAddress(message.from) ?? `postmaster@${ctx.hostname}`;
  const sender = delivery.subscriberId ? await ctx.sender(delivery.subscriberId) : null;
  const name = sender?.name ?? from.split('@')[0]!;
  const language = sender?.language ?? 'en';
  const voice = await request.rendition(audio.index, 'audio/32kadpcm');
  // The spoken name is optional in VPIM: a speech failure sends the message without it.
  const spoken = await ctx.speak(name, language, 'audio/32kadpcm').catch(() => null);
  const tel = sender?.addresses.find((a) => a.startsWith('tel:'))?.slice(4) ?? null;
  const raw = await composeVpim(
    {
      messageId: `<${delivery.id}@${ctx.hostname}>`,
      from: { name, address: from },
      to,
      subject: message.subject ?? `Voice message from ${name}`,
      date: new Date(message.createdAt),
      urgent: message.urgent,
      language,
      tel,
      headers: { 'X-Switchboard-Delivery': delivery.id },
    },
    {
      message: voice,
      // 4 bytes of G.726-32 a millisecond: what the peer will play, whatever was recorded.
      durationMs: Math.round(voice.length / 4),
      spokenName: spoken ? { audio: spoken, durationMs: Math.round(spoken.length / 4) } : null,
    },
  );
  return { raw, envelope: { from, to: [to] }, messageId: `<${delivery.id}@${ctx.hostname}>` };
}
