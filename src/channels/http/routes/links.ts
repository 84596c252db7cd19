import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { notFound, unauthorized } from '../../../core/errors.js';
import type { RestApiDeps } from '../deps.js';
import { Problem } from '../schemas.js';

/** The path a part link signs; the resource that hands it out and this route agree on it. */
export function partLinkPath(messageId: string, index: number): string {
  return `/api/v1/links/parts/${messageId}/${index}`;
}

/**
 * Signed, expiring links to one part: how a webhook receiver fetches an attachment too large to
 * send inline, without any account. The signature covers the path and the expiry.
 */
export const linkRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.get(
    '/links/parts/:id/:part',
    {
      schema: {
        tags: ['links'],
        summary: 'A part by signed link (no session needed)',
        params: Type.Object(
          { id: Type.String({ format: 'uuid' }), part: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
        querystring: Type.Object(
          { expires: Type.Integer(), sig: Type.String({ maxLength: 100 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }),
          401: Problem,
          404: Problem,
        },
      },
    },
    async (request, reply) => {
      const { id, part: index } = request.params;
      if (!deps.links.verify(partLinkPath(id, index), request.query.expires, request.query.sig))
        throw unauthorized('this link is not valid or has expired');
      const message = await deps.messages.find(id);
      const part = message?.parts.find((p) => p.index === index);
      if (!part) throw notFound('the message or part no longer exists');
      const content = await deps.blobs.get(part.sha256);
      return reply
        .header('content-type', part.contentType)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(content);
    },
  );
};
