import { decodeBase64Strict } from '../../../lib/base64.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { normaliseAddress } from '../../../core/address.js';
import { forbidden, invalid } from '../../../core/errors.js';
import type { IncomingPart, IngestResult } from '../../../core/ingest.js';
import type { RestApiDeps } from '../deps.js';
import { FAX_COVER_TYPE } from '../../../media/cover-page.js';
import { requirePrincipal, requireSubscriber } from '../principal.js';
import {
  AddressString,
  Attachment,
  Compose,
  FaxCover,
  IngestAnswer,
  Problem,
  type ComposeBody,
} from '../schemas.js';

export function ingestAnswer(result: IngestResult) {
  const own = result.copies.find((c) => c.folder === 'sent') ?? result.copies[0];
  return {
    id: own?.messageId ?? null,
    replayed: result.replayed,
    copies: result.copies.map(({ messageId, address, folder, createdMailbox }) => ({
      messageId,
      address,
      folder,
      createdMailbox,
    })),
    deliveries: result.deliveries,
  };
}

/** What a fax can be made of: the media converters turn each into fax pages. */
const FAXABLE = /^(application\/pdf|image\/(png|jpeg|tiff))\s*(;|$)/i;

/** Pages a preview shows at most: enough to check the cover and how the documents came out. */
const PREVIEW_PAGES = 12;

const FaxPreviewBody = Type.Object(
  {
    to: Type.Optional(AddressString),
    subject: Type.Optional(Type.String({ maxLength: 998 })),
    attachments: Type.Array(Attachment, { minItems: 1, maxItems: 100 }),
    cover: Type.Optional(FaxCover),
  },
  { additionalProperties: false },
);

/** The documents of a fax to preview, decoded and checked as compose checks them. */
function previewDocuments(body: Static<typeof FaxPreviewBody>) {
  return body.attachments.map((a, i) => {
    if (!FAXABLE.test(a.contentType))
      throw invalid(
        `attachment ${i + 1} (${a.filename}) is ${a.contentType}: a fax takes PDF, PNG, JPEG or TIFF`,
      );
    const content = decodeBase64Strict(a.content);
    if (!content) throw invalid(`attachment ${i + 1} (${a.filename}) is not valid base64`);
    return { contentType: a.contentType, content };
  });
}

function partsOf(body: ComposeBody): IncomingPart[] {
  const parts: IncomingPart[] = [];
  if (body.text !== undefined)
    parts.push({
      contentType: 'text/plain; charset=utf-8',
      content: Buffer.from(body.text, 'utf8'),
    });
  if (body.html !== undefined)
    parts.push({
      contentType: 'text/html; charset=utf-8',
      content: Buffer.from(body.html, 'utf8'),
    });
  for (const [i, a] of (body.attachments ?? []).entries()) {
    if (body.type === 'fax' && !FAXABLE.test(a.contentType))
      throw invalid(
        `attachment ${i + 1} (${a.filename}) is ${a.contentType}: a fax takes PDF, PNG, JPEG or TIFF`,
      );
    const content = decodeBase64Strict(a.content);
    if (!content) throw invalid(`attachment ${i + 1} (${a.filename}) is not valid base64`);
    parts.push({
      contentType: a.contentType,
      filename: a.filename,
      disposition: 'attachment',
      content,
    });
  }
  if (parts.length === 0) throw invalid('a message needs text, html or at least one attachment');
  if (body.cover !== undefined) {
    if (body.type !== 'fax') throw invalid('a cover page is for a fax: send it with type "fax"');
    // Kept with the message for the fax resource, which makes the cover when it sends.
    parts.push({
      contentType: FAX_COVER_TYPE,
      disposition: 'inline',
      content: Buffer.from(JSON.stringify(body.cover), 'utf8'),
    });
  }
  return parts;
}

export const composeRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.post(
    '/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'Compose and send a message to one or many recipients',
        description:
          'Answers only after the message is committed to disk. Send an Idempotency-Key header to retry safely: a repeat returns the first result (200) instead of a second message.',
        body: Compose,
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        }),
        response: {
          200: IngestAnswer,
          201: IngestAnswer,
          400: Problem,
          401: Problem,
          403: Problem,
          413: Problem,
          422: Problem,
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request.principal);
      const body = request.body;
      let sender;
      if (principal.kind === 'subscriber') {
        sender = principal.subscriber;
        if (body.from !== undefined && !sender.addresses.includes(normaliseAddress(body.from)))
          throw forbidden(`${body.from} is not one of your addresses`);
      } else {
        // The admin token sends on behalf of a subscriber, named by `from`.
        if (body.from === undefined)
          throw invalid('with the admin token, say which subscriber sends in "from"');
        sender = await deps.directory.findByAddress(body.from);
        if (!sender) throw invalid(`${body.from} is not a local subscriber`);
      }
      const result = await deps.intake.ingest(
        {
          type: body.type ?? 'text',
          from: body.from ?? sender.addresses[0]!,
          to: body.to,
          subject: body.subject ?? null,
          urgent: body.urgent ?? false,
          expiresAt: body.expiresAt ?? null,
          scheduledAt: body.scheduledAt ?? null,
          priority: body.priority,
          senderId: sender.id,
          idempotencyKey: request.headers['idempotency-key'],
        },
        partsOf(body),
      );
      return reply.code(result.replayed ? 200 : 201).send(ingestAnswer(result));
    },
  );

  if (deps.faxPreview) {
    const preview = deps.faxPreview;
    app.post(
      '/fax/preview',
      {
        schema: {
          tags: ['messages'],
          summary: 'A fax not sent yet as the machine would get it: its pages, the first as PNG',
          description: `The same body as compose's for a fax (to, subject, attachments, cover), nothing stored or sent. The cover and documents are made into fax pages as the fax resource makes them; the answer counts them and holds the first ${PREVIEW_PAGES} as PNG data URLs.`,
          body: FaxPreviewBody,
          response: {
            200: Type.Object({
              pages: Type.Integer({ description: 'Pages in all, the cover included' }),
              images: Type.Array(Type.String({ description: 'data:image/png;base64,...' })),
            }),
            400: Problem,
            401: Problem,
            413: Problem,
            422: Problem,
          },
        },
      },
      async (request) => {
        const me = requireSubscriber(request.principal);
        const body = request.body;
        const result = await preview({
          documents: previewDocuments(body),
          cover: body.cover ?? null,
          recipient: body.to ?? '',
          senderName: me.name,
          subject: body.subject ?? null,
          language: me.language,
          maxImages: PREVIEW_PAGES,
        });
        return {
          pages: result.pages,
          images: result.images.map((png) => `data:image/png;base64,${png.toString('base64')}`),
        };
      },
    );
  }
};
