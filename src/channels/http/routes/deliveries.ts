import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { RestApiDeps } from '../deps.js';
import { requireAdmin } from '../principal.js';
import { Problem } from '../schemas.js';

/** What intake recorded for delivery to outside addresses; the delivery queue works these off. */
export const deliveryRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.get(
    '/deliveries',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'Deliveries, oldest first, filtered by message or status (admins)',
        querystring: Type.Object(
          {
            messageId: Type.Optional(Type.String({ format: 'uuid' })),
            status: Type.Optional(Type.String({ pattern: '^[PHDRXASFE]$' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            deliveries: Type.Array(
              Type.Object({
                id: Type.String(),
                messageId: Type.String(),
                recipient: Type.String(),
                status: Type.String(),
                priority: Type.String(),
                createdAt: Type.String(),
              }),
            ),
          }),
          401: Problem,
          403: Problem,
        },
      },
    },
    async (request) => {
      requireAdmin(request.principal);
      const { messageId, status, limit } = request.query;
      return {
        deliveries: await deps.messages.listDeliveries({ messageId, status, limit: limit ?? 100 }),
      };
    },
  );
};
