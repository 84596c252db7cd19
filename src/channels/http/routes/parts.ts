import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { RestApiDeps } from '../deps.js';
import { requireSubscriber } from '../principal.js';
import { PartParams, Problem } from '../schemas.js';

function contentDisposition(disposition: string, filename: string | null): string {
  if (!filename) return disposition;
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export const partRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.get(
    '/messages/:id/parts/:part',
    {
      schema: {
        tags: ['messages'],
        summary: 'The bytes of one part; `format` asks for a rendition in another media type',
        params: PartParams,
        querystring: Type.Object(
          {
            format: Type.Optional(Type.String({ maxLength: 100 })),
            download: Type.Optional(Type.Boolean()),
            token: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Unsafe<Buffer>({
            type: 'string',
            format: 'binary',
            description: 'The part’s bytes',
          }),
          400: Problem,
          401: Problem,
          404: Problem,
          406: Problem,
          413: Problem,
          422: Problem,
          503: Problem,
        },
      },
    },
    async (request, reply) => {
      const me = requireSubscriber(request.principal);
      const format = request.query.format;
      // A rendition is made once, kept with the message as a derived part, then served from there.
      const { part, content } =
        format === undefined
          ? await deps.mailbox.part(me.id, request.params.id, request.params.part)
          : await deps.mailbox.rendition(
              me.id,
              request.params.id,
              request.params.part,
              format,
              me.language,
            );
      return reply
        .header('content-type', part.contentType)
        .header('content-length', content.length)
        .header('x-switchboard-part', String(part.index))
        .header(
          'content-disposition',
          contentDisposition(
            request.query.download ? 'attachment' : part.disposition,
            part.filename,
          ),
        )
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(content);
    },
  );
};
