import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { RestApiDeps } from '../deps.js';
import { requireSubscriber } from '../principal.js';
import { IdParams, ListQuery, Message, MessageList, MessagePatch, Problem } from '../schemas.js';
import { publicMessage } from '../views.js';

const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

/** Reading and managing the signed-in subscriber's own mailbox. */
export const messageRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.get(
    '/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'List messages, newest first; filter by folder, type, unread, full-text q',
        querystring: ListQuery,
        response: { 200: MessageList, ...problems },
      },
    },
    async (request) => {
      const me = requireSubscriber(request.principal);
      const { token: _token, ...query } = request.query;
      const limit = query.limit ?? 50;
      const messages = await deps.mailbox.list(me.id, { ...query, limit });
      return {
        messages: messages.map(publicMessage),
        next: messages.length === limit ? messages[messages.length - 1]!.id : null,
      };
    },
  );

  app.get(
    '/messages/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'One message with its parts; records the access time',
        params: IdParams,
        response: { 200: Message, ...problems },
      },
    },
    async (request) =>
      publicMessage(
        await deps.mailbox.get(requireSubscriber(request.principal).id, request.params.id),
      ),
  );

  app.patch(
    '/messages/:id',
    {
      schema: {
        tags: ['messages'],
        summary:
          'Mark read or unread, urgent, or move to a folder (trash keeps where it came from)',
        params: IdParams,
        body: MessagePatch,
        response: { 200: Message, ...problems },
      },
    },
    async (request) =>
      publicMessage(
        await deps.mailbox.update(
          requireSubscriber(request.principal).id,
          request.params.id,
          request.body,
        ),
      ),
  );

  app.delete(
    '/messages/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'Move to trash; from trash, or with permanent=true, remove for good',
        params: IdParams,
        querystring: Type.Object(
          { permanent: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            result: Type.Union([Type.Literal('trashed'), Type.Literal('purged')]),
          }),
          ...problems,
        },
      },
    },
    async (request) => ({
      result: await deps.mailbox.delete(
        requireSubscriber(request.principal).id,
        request.params.id,
        request.query.permanent ?? false,
      ),
    }),
  );

  app.post(
    '/messages/:id/restore',
    {
      schema: {
        tags: ['messages'],
        summary: 'Put a message in trash back where it was',
        params: IdParams,
        response: { 200: Message, ...problems },
      },
    },
    async (request) =>
      publicMessage(
        await deps.mailbox.restore(requireSubscriber(request.principal).id, request.params.id),
      ),
  );
};
