import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { SwitchboardError } from '../../../core/errors.js';
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
        },
      },
    },
    async (request, reply) => {
      const me = requireSubscriber(request.principal);
      const { part, content } = await deps.mailbox.part(
        me.id,
        request.params.id,
        request.params.part,
      );
      const format = request.query.format;
      if (format !== undefined && format.split(';')[0] !== part.contentType.split(';')[0]) {
        // Renditions come from the media conversion graph; until it is wired, only the original is served.
        throw new SwitchboardError(
          'not-acceptable',
          `no conversion from ${part.contentType} to ${format} is available`,
        );
      }
      return reply
        .header('content-type', part.contentType)
        .header('content-length', content.length)
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
