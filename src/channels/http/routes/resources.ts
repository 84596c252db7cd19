import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { microsToPrice, priceToMicros, type Resource } from '../../../core/delivery.js';
import { invalid, notFound } from '../../../core/errors.js';
import type { RestApiDeps } from '../deps.js';
import { requireAdmin } from '../principal.js';
import { IdParams, OrNull, Problem } from '../schemas.js';

const RateSchema = Type.Object(
  {
    prefix: Type.String({
      maxLength: 64,
      description: '"+49", "sip:", or "*" for any destination',
    }),
    price: Type.Number({ minimum: 0, description: 'Per unit, in the resource currency' }),
  },
  { additionalProperties: false },
);

const Fields = {
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
  type: Type.String({ minLength: 1, maxLength: 32 }),
  messageTypes: Type.Array(Type.String({ maxLength: 16 }), { maxItems: 16 }),
  formats: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 32 }),
  status: Type.Union([Type.Literal('A'), Type.Literal('I')]),
  channels: Type.Integer({ minimum: 1, maximum: 1024 }),
  rates: Type.Array(RateSchema, { maxItems: 10_000 }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  config: Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    description:
      'webhook: url, timeoutMs, inlineMaxBytes; smtp: host (omit to deliver to the MX), port, secure, user, dkim; voice: trunk (sip: URI; omit to call sip: URIs directly), user, ringSeconds, callerId',
  }),
  secret: Type.String({
    minLength: 1,
    maxLength: 256,
    description:
      'Write-only. webhook: the signing secret (16 characters or more); smtp: the smarthost password; voice: the trunk password',
  }),
};

const ResourceCreate = Type.Object(
  {
    name: Fields.name,
    type: Fields.type,
    messageTypes: Type.Optional(Fields.messageTypes),
    formats: Type.Optional(Fields.formats),
    status: Type.Optional(Fields.status),
    channels: Type.Optional(Fields.channels),
    rates: Type.Optional(Fields.rates),
    currency: Type.Optional(Fields.currency),
    config: Type.Optional(Fields.config),
    secret: Type.Optional(Fields.secret),
  },
  { additionalProperties: false },
);
const ResourcePatch = Type.Object(
  {
    name: Type.Optional(Fields.name),
    messageTypes: Type.Optional(Fields.messageTypes),
    formats: Type.Optional(Fields.formats),
    status: Type.Optional(Fields.status),
    channels: Type.Optional(Fields.channels),
    rates: Type.Optional(Fields.rates),
    currency: Type.Optional(Fields.currency),
    config: Type.Optional(Fields.config),
    secret: Type.Optional(Fields.secret),
  },
  { additionalProperties: false, minProperties: 1 },
);

const ResourceView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  messageTypes: Type.Array(Type.String()),
  formats: Type.Array(Type.String()),
  status: Type.String(),
  statusReason: OrNull(Type.String()),
  channels: Type.Integer(),
  busyChannels: Type.String({ description: 'Bitmap of this node: 1 busy, 0 free' }),
  inFlight: Type.Integer({
    description: 'Deliveries handed to it and not yet settled, on all nodes',
  }),
  rates: Type.Array(Type.Object({ prefix: Type.String(), price: Type.Number() })),
  currency: Type.String(),
  config: Type.Object({}, { additionalProperties: true }),
  hasSecret: Type.Boolean(),
  consecutiveFailures: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

type RateInput = { prefix: string; price: number };
const toRates = (rates: RateInput[] | undefined) =>
  rates?.map((r) => ({ prefix: r.prefix, priceMicros: priceToMicros(r.price) }));

/** Outbound resources (seed 001): admins add, change, disable them and see their load. */
export const resourceRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.addHook('preHandler', async (request) => requireAdmin(request.principal));

  const view = (r: Resource, inFlight: Map<string, number>) => ({
    ...r,
    rates: r.rates.map((x) => ({ prefix: x.prefix, price: microsToPrice(x.priceMicros) })),
    busyChannels: deps.queue.bitmap(r),
    inFlight: inFlight.get(r.id) ?? 0,
  });
  const checkType = (
    type: string,
    config: Record<string, unknown> | undefined,
    secret?: string,
  ) => {
    if (!deps.queue.implemented(type)) throw invalid(`no resource type "${type}" on this server`);
    const problem = config !== undefined ? deps.queue.configProblem?.(type, config) : null;
    if (problem) throw invalid(problem);
    // A signing secret must resist guessing; a smarthost password is whatever the relay set.
    if (type === 'webhook' && secret !== undefined && secret.length < 16)
      throw invalid('a webhook secret needs 16 characters or more');
    if (type === 'webhook' && config !== undefined) {
      try {
        const url = new URL(String(config.url));
        if (!['http:', 'https:'].includes(url.protocol)) throw new Error();
      } catch {
        throw invalid('a webhook resource needs config.url, an http or https URL');
      }
    }
  };
  // Whatever was held for want of a resource may now have one.
  const released = async () => {
    await deps.deliveries.releaseHeld('no-resource', new Date().toISOString());
    deps.queue.wake();
  };

  app.get(
    '/resources',
    {
      schema: {
        tags: ['resources'],
        summary: 'Outbound resources with status, busy channels and load',
        response: { 200: Type.Object({ resources: Type.Array(ResourceView) }) },
      },
    },
    async () => {
      const inFlight = await deps.deliveries.inFlightByResource();
      return { resources: (await deps.resources.listResources()).map((r) => view(r, inFlight)) };
    },
  );

  app.post(
    '/resources',
    {
      schema: {
        tags: ['resources'],
        summary: 'Add an outbound resource',
        body: ResourceCreate,
        response: { 201: ResourceView, 400: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.type === 'webhook' && body.config === undefined) checkType(body.type, {});
      checkType(body.type, body.config, body.secret);
      const created = await deps.resources.createResource({ ...body, rates: toRates(body.rates) });
      await released();
      return reply.code(201).send(view(created, new Map()));
    },
  );

  app.get(
    '/resources/:id',
    {
      schema: {
        tags: ['resources'],
        summary: 'One resource',
        params: IdParams,
        response: { 200: ResourceView, 404: Problem },
      },
    },
    async (request) => {
      const resource = await deps.resources.getResource(request.params.id);
      if (!resource) throw notFound(`no resource ${request.params.id}`);
      return view(resource, await deps.deliveries.inFlightByResource());
    },
  );

  app.patch(
    '/resources/:id',
    {
      schema: {
        tags: ['resources'],
        summary: 'Change a resource; status I takes it out of service, A puts it back',
        params: IdParams,
        body: ResourcePatch,
        response: { 200: ResourceView, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      const existing = await deps.resources.getResource(request.params.id);
      if (!existing) throw notFound(`no resource ${request.params.id}`);
      if (request.body.config !== undefined || request.body.secret !== undefined)
        checkType(existing.type, request.body.config, request.body.secret);
      const body = request.body;
      const updated = await deps.resources.updateResource(existing.id, {
        ...body,
        rates: toRates(body.rates),
        ...(body.status
          ? { statusReason: body.status === 'I' ? 'disabled by an operator' : null }
          : {}),
      });
      await released();
      return view(updated!, await deps.deliveries.inFlightByResource());
    },
  );
};
