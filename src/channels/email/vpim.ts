import MimeNode from 'nodemailer/lib/mime-node/index.js';
import type { ParsedMail } from 'mailparser';

/** VPIM v2 (RFC 3801): the voice message exchange between voicemail systems over SMTP. */
export const VPIM_AUDIO = 'audio/32KADPCM';

export interface VpimVoice {
  /** G.726-32 code words, little-endian packed (RFC 3802). */
  message: Buffer;
  durationMs: number;
  /** The sender's name, spoken, in the same encoding; optional in VPIM. */
  spokenName?: { audio: Buffer; durationMs: number } | null;
}

export interface VpimEnvelope {
  messageId: string;
  from: { name: string; address: string };
  to: string;
  subject: string;
  date: Date;
  urgent: boolean;
  language: string;
  /** Sender's phone number for the vCard, when they have one. */
  tel?: string | null;
  headers?: Record<string, string>;
}

const seconds = (ms: number) => String(Math.max(1, Math.round(ms / 1000)));

/** A vCard 3.0 of the sender (RFC 3801 4.3.4: text/directory; profile=vCard). */
function vcard(from: VpimEnvelope['from'], tel: string | null | undefined): string {
  const esc = (s: string) => s.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
  return [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `FN:${esc(from.name)}`,
    `N:${esc(from.name)};;;;`,
    `EMAIL;TYPE=INTERNET:${from.address}`,
    ...(tel ? [`TEL;TYPE=VOICE:${tel}`] : []),
    'END:VCARD',
    '',
  ].join('\r\n');
}

/**
 * A VPIM v2 message: `multipart/voice-message; version=2.0` holding the spoken name (if any),
 * the voice message in audio/32KADPCM with its Content-Duration, and the sender's vCard.
 */
export async function composeVpim(envelope: VpimEnvelope, voice: VpimVoice): Promise<Buffer> {
  const root = new MimeNode('multipart/voice-message; version=2.0');
  root.setHeader({
    From: `"${envelope.from.name.replace(/["\\]/g, '')}" <${envelope.from.address}>`,
    To: envelope.to,
    Subject: envelope.subject,
    Date: envelope.date.toUTCString().replace('GMT', '+0000'),
    'Message-ID': envelope.messageId,
    // RFC 3801 4.2.7: the version comment says the message follows VPIM v2.
    'MIME-Version': '1.0 (Voice 2.0)',
    ...(envelope.urgent ? { Importance: 'high', Priority: 'urgent' } : {}),
    ...envelope.headers,
  });
  if (voice.spokenName)
    root
      .createChild(VPIM_AUDIO)
      .setHeader({
        'Content-Transfer-Encoding': 'base64',
        'Content-Disposition': 'inline; voice=Originator-Spoken-Name',
        'Content-Language': envelope.language,
        'Content-Duration': seconds(voice.spokenName.durationMs),
      })
      .setContent(voice.spokenName.audio);
  root
    .createChild(VPIM_AUDIO)
    .setHeader({
      'Content-Transfer-Encoding': 'base64',
      'Content-Disposition': 'inline; voice=Voice-Message; filename=message.726',
      'Content-Duration': seconds(voice.durationMs),
    })
    .setContent(voice.message);
  root
    .createChild('text/directory; charset=utf-8; profile=vCard')
    .setHeader({
      'Content-Transfer-Encoding': 'quoted-printable',
      'Content-Disposition': 'attachment; filename=sender.vcf',
    })
    .setContent(vcard(envelope.from, envelope.tel));
  return root.build();
}

/** Whether a parsed mail is a VPIM voice message. */
export function isVpim(mail: ParsedMail): boolean {
  const type = mail.headers.get('content-type') as { value?: string } | undefined;
  return type?.value?.toLowerCase() === 'multipart/voice-message';
}

/** The `voice=` role of a VPIM body part (Voice-Message, Originator-Spoken-Name, ...), if any. */
export function voiceRole(headers: Map<string, unknown>): string | null {
  const disposition = headers.get('content-disposition') as
    { params?: Record<string, string> } | undefined;
  return disposition?.params?.voice ?? null;
}

/** Content-Duration (RFC 3803) in milliseconds, when the part declares it. */
export function declaredDurationMs(headers: Map<string, unknown>): number | null {
  const value = headers.get('content-duration');
  const n = Number(typeof value === 'string' ? value.trim() : value);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : null;
}
