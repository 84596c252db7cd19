import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { RestApiDeps } from '../deps.js';
import { requirePrincipal } from '../principal.js';

/** The conversion graph: what `?format=` on a part can ask for, and which converter goes where. */
export const formatRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.get(
    '/formats',
    {
      schema: {
        tags: ['media'],
        summary: 'Formats and converters of the media conversion graph',
        response: {
          200: Type.Object({
            formats: Type.Array(
              Type.Object({
                key: Type.String(),
                kind: Type.String(),
                description: Type.String(),
                extension: Type.String(),
              }),
            ),
            converters: Type.Array(
              Type.Object({
                id: Type.String(),
                from: Type.String(),
                to: Type.String(),
                cost: Type.Number(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      requirePrincipal(request.principal);
      return deps.formats() as never;
    },
  );
};
