import { XMLBuilder } from 'fast-xml-parser';
import type { MessageDocument } from '../../core/message-document.js';

const builder = new XMLBuilder({ ignoreAttributes: false, format: true, attributeNamePrefix: '@' });

/** The message document as XML (seed 000 claim 17 encapsulates messages in XML documents). */
export function documentToXml(doc: MessageDocument): string {
  const { message: m } = doc;
  const tree = {
    '?xml': { '@version': '1.0', '@encoding': 'UTF-8' },
    message: {
      '@xmlns': 'urn:switchboard:message:1',
      '@id': m.id,
      '@type': m.type,
      folder: m.folder,
      from: m.from,
      to: m.to,
      subject: m.subject ?? '',
      read: m.read,
      urgent: m.urgent,
      createdAt: m.createdAt,
      ...(m.accessedAt ? { accessedAt: m.accessedAt } : {}),
      ...(m.expiresAt ? { expiresAt: m.expiresAt } : {}),
      size: m.size,
      ...(m.durationMs !== null ? { durationMs: m.durationMs } : {}),
      ...(m.pages !== null ? { pages: m.pages } : {}),
      part: doc.parts.map((p) => ({
        '@index': p.index,
        '@contentType': p.contentType,
        ...(p.filename ? { '@filename': p.filename } : {}),
        '@disposition': p.disposition,
        '@size': p.size,
        '@sha256': p.sha256,
        ...(p.derivedFrom !== null ? { '@derivedFrom': p.derivedFrom } : {}),
        ...(p.converter ? { '@converter': p.converter } : {}),
        '@encoding': 'base64',
        '#text': p.content,
      })),
    },
  };
  return builder.build(tree) as string;
}
