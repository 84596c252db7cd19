import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { RestApiDeps } from '../deps.js';
import { requireAdmin } from '../principal.js';
import {
  Id,
  IdParams,
  OrNull,
  MessageDocument,
  Problem,
  Subscriber,
  SubscriberCreate,
  SubscriberPatch,
} from '../schemas.js';
import { publicSubscriber } from '../views.js';

const EXPORT_PAGE = 200;

/** The operator's subscriber management: admins only. */
export const subscriberRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.addHook('preHandler', async (request) => requireAdmin(request.principal));

  app.post(
    '/subscribers',
    {
      schema: {
        tags: ['subscribers'],
        summary: 'Add a subscriber with their addresses, profile and secrets',
        body: SubscriberCreate,
        response: { 201: Subscriber, 400: Problem, 401: Problem, 403: Problem, 409: Problem },
      },
    },
    async (request, reply) =>
      reply.code(201).send(publicSubscriber(await deps.directory.add(request.body))),
  );

  app.get(
    '/subscribers',
    {
      schema: {
        tags: ['subscribers'],
        summary: 'List subscribers in id order; pass `next` as `after` for the next page',
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            after: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            subscribers: Type.Array(Subscriber),
            next: OrNull(Type.String()),
          }),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const subscribers = await deps.directory.list({ limit, after: request.query.after });
      return {
        subscribers: subscribers.map(publicSubscriber),
        next: subscribers.length === limit ? subscribers.at(-1)!.id : null,
      };
    },
  );

  app.get(
    '/subscribers/:id',
    {
      schema: {
        tags: ['subscribers'],
        summary: 'One subscriber',
        params: IdParams,
        response: { 200: Subscriber, 404: Problem },
      },
    },
    async (request) => publicSubscriber(await deps.directory.require(request.params.id)),
  );

  app.patch(
    '/subscribers/:id',
    {
      schema: {
        tags: ['subscribers'],
        summary: 'Change a subscriber: profile, addresses, status, role, quota, secrets',
        params: IdParams,
        body: SubscriberPatch,
        response: { 200: Subscriber, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request) =>
      publicSubscriber(await deps.directory.update(request.params.id, request.body)),
  );

  app.delete(
    '/subscribers/:id',
    {
      schema: {
        tags: ['subscribers'],
        summary: 'Remove a subscriber and their mailbox',
        params: IdParams,
        response: { 204: Type.Null(), 404: Problem },
      },
    },
    async (request, reply) => {
      await deps.directory.remove(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/subscribers/:id/export',
    {
      schema: {
        tags: ['subscribers'],
        summary: 'The subscriber and every message in their mailbox, each as a message document',
        params: IdParams,
        response: {
          200: Type.Object({
            format: Type.Literal('switchboard.mailbox/1'),
            subscriber: Subscriber,
            messages: Type.Array(MessageDocument),
          }),
          404: Problem,
        },
      },
    },
    async (request) => {
      const subscriber = await deps.directory.require(request.params.id);
      const messages = [];
      let before: string | undefined;
      for (;;) {
        const page = await deps.mailbox.list(subscriber.id, { limit: EXPORT_PAGE, before });
        for (const m of page) messages.push(await deps.mailbox.export(subscriber.id, m.id));
        if (page.length < EXPORT_PAGE) break;
        before = page.at(-1)!.id;
      }
      return {
        format: 'switchboard.mailbox/1' as const,
        subscriber: publicSubscriber(subscriber),
        messages,
      };
    },
  );
};
