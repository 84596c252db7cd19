import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { DELIVERY_STATUSES, type Delivery, type DeliveryStatus } from '../../../core/delivery.js';
import { conflict, notFound } from '../../../core/errors.js';
import type { RestApiDeps } from '../deps.js';
import { isAdmin, requireAdmin, requirePrincipal } from '../principal.js';
import { IdParams, OrNull, Problem } from '../schemas.js';

const DeliverySchema = Type.Object({
  id: Type.String(),
  messageId: Type.String(),
  kind: Type.String(),
  recipient: Type.String(),
  status: Type.String({
    description:
      'P pending, H on hold, D deferred, R ready, X exchanged, A acknowledged, S sent, F failed, E expired',
  }),
  priority: Type.String(),
  subscriberId: OrNull(Type.String()),
  messageType: OrNull(Type.String()),
  channel: OrNull(Type.String()),
  scheduledAt: OrNull(Type.String()),
  expiresAt: OrNull(Type.String()),
  nextAttemptAt: OrNull(Type.String()),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  resourceId: OrNull(Type.String()),
  holdReason: OrNull(Type.String()),
  lastError: OrNull(Type.String()),
  errorLog: Type.Array(
    Type.Object({
      at: Type.String(),
      attempt: Type.Integer(),
      resource: OrNull(Type.String()),
      error: Type.String(),
    }),
  ),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  finishedAt: OrNull(Type.String()),
});

const view = (d: Delivery) => {
  const { leaseOwner: _o, leaseUntil: _u, payload: _p, receipt: _r, ...rest } = d;
  return rest;
};

/** The queue as operators see it: every delivery's state, retry and hold. Subscribers see their own. */
export const deliveryRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.get(
    '/deliveries',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'Deliveries in id (arrival) order; admins see all, subscribers those they sent',
        querystring: Type.Object(
          {
            status: Type.Optional(
              Type.Unsafe<DeliveryStatus>(Type.String({ enum: [...DELIVERY_STATUSES] })),
            ),
            messageId: Type.Optional(Type.String({ format: 'uuid' })),
            subscriberId: Type.Optional(Type.String({ format: 'uuid' })),
            kind: Type.Optional(
              Type.Union([Type.Literal('message'), Type.Literal('notification')]),
            ),
            after: Type.Optional(Type.String({ format: 'uuid' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ deliveries: Type.Array(DeliverySchema), next: OrNull(Type.String()) }),
          401: Problem,
        },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request.principal);
      const q = request.query;
      const subscriberId = isAdmin(principal)
        ? q.subscriberId
        : principal.kind === 'subscriber'
          ? principal.subscriber.id
          : undefined;
      const limit = q.limit ?? 100;
      const deliveries = await deps.deliveries.list({ ...q, subscriberId, limit });
      return {
        deliveries: deliveries.map(view),
        next: deliveries.length === limit ? deliveries.at(-1)!.id : null,
      };
    },
  );

  app.get(
    '/deliveries/depths',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'Queue depth: deliveries per status, and unfinished ones per resource (admins)',
        response: {
          200: Type.Object({
            statuses: Type.Array(Type.Object({ status: Type.String(), count: Type.Integer() }), {
              description: 'Every status that has deliveries, finished ones included',
            }),
            resources: Type.Array(
              Type.Object({
                resourceId: OrNull(Type.String(), {
                  description: 'null: work no resource has taken yet',
                }),
                status: Type.String(),
                count: Type.Integer(),
              }),
              { description: 'Unfinished deliveries (P, H, D, R, X, A) per resource and status' },
            ),
          }),
          401: Problem,
          403: Problem,
        },
      },
    },
    async (request) => {
      requireAdmin(request.principal);
      const [statuses, resources] = await Promise.all([
        deps.deliveries.countByStatus(),
        deps.deliveries.countOpenByResource(),
      ]);
      return { statuses, resources };
    },
  );

  app.get(
    '/deliveries/:id',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'One delivery with its error log',
        params: IdParams,
        response: { 200: DeliverySchema, 404: Problem },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request.principal);
      const delivery = await deps.deliveries.get(request.params.id);
      const mine =
        principal.kind === 'subscriber' && delivery?.subscriberId === principal.subscriber.id;
      if (!delivery || !(isAdmin(principal) || mine))
        throw notFound(`no delivery ${request.params.id}`);
      return view(delivery);
    },
  );

  app.post(
    '/deliveries/:id/retry',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'Make a held, deferred, failed or expired delivery ready now (admins)',
        params: IdParams,
        response: { 200: DeliverySchema, 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      requireAdmin(request.principal);
      const existing = await deps.deliveries.get(request.params.id);
      if (!existing) throw notFound(`no delivery ${request.params.id}`);
      const retried = await deps.deliveries.retry(existing.id, new Date().toISOString());
      if (!retried)
        throw conflict(
          `delivery ${existing.id} is ${existing.status}; only P, H, D, R, F and E can be retried`,
        );
      deps.queue.wake();
      return view(retried);
    },
  );

  app.post(
    '/deliveries/:id/hold',
    {
      schema: {
        tags: ['deliveries'],
        summary: 'Hold a waiting delivery until it is retried (admins)',
        params: IdParams,
        response: { 200: DeliverySchema, 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      requireAdmin(request.principal);
      const existing = await deps.deliveries.get(request.params.id);
      if (!existing) throw notFound(`no delivery ${request.params.id}`);
      const held = await deps.deliveries.hold(existing.id, 'operator');
      if (!held)
        throw conflict(
          `delivery ${existing.id} is ${existing.status}; only P, D and R can be held`,
        );
      return view(held);
    },
  );
};
