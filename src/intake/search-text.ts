import type { IncomingPart } from '../core/ingest.js';

const MAX_INDEXED_CHARS = 256 * 1024;

/** The text of a message's text parts, for the full-text index; HTML loses its markup. */
export function searchTextOf(parts: IncomingPart[]): string {
  const texts: string[] = [];
  for (const part of parts) {
    const type = part.contentType.split(';')[0]!.trim().toLowerCase();
    if (type === 'text/plain') texts.push(part.content.toString('utf8'));
    else if (type === 'text/html')
      texts.push(
        part.content
          .toString('utf8')
          .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
          .replace(/<[^>]+>/g, ' ')
          .replace(/&[a-z#0-9]+;/gi, ' '),
      );
  }
  return texts.join('\n').slice(0, MAX_INDEXED_CHARS);
}
