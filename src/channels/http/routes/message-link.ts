import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { MailboxService } from '../../../core/mailbox.js';
import type { Message, Part } from '../../../core/message.js';
import type { MessageStore } from '../../../core/ports.js';

export interface MessageLinkDeps {
  links: {
    open(token: string): { messageId: string; expiresAt: Date; expired: boolean } | null;
  };
  messages: Pick<MessageStore, 'find'>;
  mailbox: Pick<MailboxService, 'rendition' | 'part'>;
}

/** Nothing from elsewhere, no script: the page is the message and its media, from here. */
const CSP =
  "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1d232a}
h1{font-size:1.3rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#5b6570}
pre{white-space:pre-wrap;font:inherit;background:#f4f6f8;padding:1rem;border-radius:.4rem}
img{max-width:100%;border:1px solid #ccd;margin:.5rem 0}audio{width:100%}.note{color:#5b6570}`;

const escape = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .code(status)
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .header('x-robots-tag', 'noindex')
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`,
    );
}

const original = (m: Message, prefix: string) =>
  m.parts.find((p) => p.derivedFrom === null && p.contentType.startsWith(prefix));

/**
 * The web link in a notice (`/l/<token>`): the one message it names, without signing in, while
 * the token is valid and the message is not deleted. A plain page without script (it may be
 * opened on any phone): sender, time, the recording with its transcript, the text, fax pages as
 * images, the attachments. Media come from sub-paths under the same token. Viewing does not
 * mark the message read: link previews in messaging apps fetch links by themselves.
 */
export function messageLinkRoutes(deps: MessageLinkDeps): FastifyPluginAsync {
  return async (app) => {
    /** The message a token opens, or the page that says why not. */
    const resolve = async (token: string, reply: FastifyReply) => {
      const link = deps.links.open(token);
      if (!link) {
        await page(reply, 404, 'Link not valid', '<h1>This link is not valid.</h1>');
        return null;
      }
      if (link.expired) {
        await page(
          reply,
          410,
          'Link expired',
          '<h1>This link has expired.</h1><p>Sign in to <a href="/">Switchboard</a> to see the message.</p>',
        );
        return null;
      }
      const message = await deps.messages.find(link.messageId);
      if (!message || message.folder === 'trash') {
        await page(
          reply,
          404,
          'Message deleted',
          '<h1>This message is no longer available.</h1><p>It was deleted.</p>',
        );
        return null;
      }
      return message;
    };
    const media = (reply: FastifyReply, type: string, content: Buffer) =>
      reply
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .type(type)
        .send(content);

    app.get<{ Params: { token: string } }>(
      '/l/:token',
      { schema: { hide: true } },
      async (request, reply) => {
        const message = await resolve(request.params.token, reply);
        if (!message) return reply;
        const t = request.params.token;
        const sections: string[] = [];
        const audio = original(message, 'audio/');
        if (audio) {
          sections.push(`<audio controls preload="metadata" src="/l/${t}/audio"></audio>`);
          const transcript = message.parts.find(
            (p) => p.derivedFrom === audio.index && p.contentType.startsWith('text/plain'),
          );
          if (transcript)
            sections.push(`<h2>Transcript</h2><pre>${escape(await text(transcript))}</pre>`);
        }
        const body = original(message, 'text/plain');
        if (body) sections.push(`<pre>${escape(await text(body))}</pre>`);
        const fax = original(message, 'image/tiff') ?? original(message, 'application/pdf');
        if (message.type === 'fax' && fax)
          for (let n = 1; n <= Math.max(1, message.pages ?? 1); n++)
            sections.push(`<img src="/l/${t}/page/${n}" alt="Page ${n}">`);
        const files = message.parts.filter((p) => p.derivedFrom === null && p.filename);
        if (files.length)
          sections.push(
            `<h2>Attachments</h2><ul>${files
              .map(
                (p) =>
                  `<li><a href="/l/${t}/part/${p.index}">${escape(p.filename!)}</a> (${escape(p.contentType)})</li>`,
              )
              .join('')}</ul>`,
          );
        const subject = message.subject ?? `A ${message.type} message`;
        return page(
          reply,
          200,
          subject,
          `<h1>${escape(subject)}</h1><dl><dt>From</dt><dd>${escape(message.from.replace(/^(tel|mailto|sips?):/, ''))}</dd><dt>Received</dt><dd>${escape(new Date(message.createdAt).toUTCString())}</dd>${message.durationMs ? `<dt>Length</dt><dd>${Math.round(message.durationMs / 1000)} s</dd>` : ''}${message.pages ? `<dt>Pages</dt><dd>${message.pages}</dd>` : ''}</dl>${sections.join('')}<p class="note">Opened by a link that expires. Sign in to <a href="/">Switchboard</a> to reply or keep it.</p>`,
        );

        async function text(part: Part): Promise<string> {
          return (await deps.mailbox.part(message!.mailboxId, message!.id, part.index)).content
            .toString('utf8')
            .slice(0, 100_000);
        }
      },
    );

    app.get<{ Params: { token: string } }>(
      '/l/:token/audio',
      { schema: { hide: true } },
      async (request, reply) => {
        const message = await resolve(request.params.token, reply);
        if (!message) return reply;
        const audio = original(message, 'audio/');
        if (!audio)
          return page(reply, 404, 'No recording', '<h1>This message has no recording.</h1>');
        const made = await deps.mailbox.rendition(
          message.mailboxId,
          message.id,
          audio.index,
          'audio/mpeg',
        );
        return media(reply, 'audio/mpeg', made.content);
      },
    );

    app.get<{ Params: { token: string; n: string } }>(
      '/l/:token/page/:n',
      { schema: { hide: true } },
      async (request, reply) => {
        const message = await resolve(request.params.token, reply);
        if (!message) return reply;
        const n = Number(request.params.n);
        const fax = original(message, 'image/tiff') ?? original(message, 'application/pdf');
        if (!fax || !Number.isInteger(n) || n < 1 || n > Math.max(1, message.pages ?? 1))
          return page(reply, 404, 'No such page', '<h1>There is no such page.</h1>');
        const format = n > 1 ? `image/png;page=${n}` : 'image/png';
        const made = await deps.mailbox.rendition(message.mailboxId, message.id, fax.index, format);
        return media(reply, 'image/png', made.content);
      },
    );

    app.get<{ Params: { token: string; index: string } }>(
      '/l/:token/part/:index',
      { schema: { hide: true } },
      async (request, reply) => {
        const message = await resolve(request.params.token, reply);
        if (!message) return reply;
        const part = message.parts.find(
          (p) => p.derivedFrom === null && p.index === Number(request.params.index),
        );
        if (!part) return page(reply, 404, 'No such part', '<h1>There is no such attachment.</h1>');
        const got = await deps.mailbox.part(message.mailboxId, message.id, part.index);
        reply.header(
          'content-disposition',
          `attachment; filename="${(part.filename ?? 'attachment').replace(/[^\w.-]+/g, '_')}"`,
        );
        return media(reply, 'application/octet-stream', got.content);
      },
    );
  };
}
