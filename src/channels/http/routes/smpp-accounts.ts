import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { notFound } from '../../../core/errors.js';
import { isId } from '../../../lib/ids.js';
import type { RestApiDeps } from '../deps.js';
import { requireAdmin } from '../principal.js';
import { Problem } from '../schemas.js';

const SystemId = Type.String({
  minLength: 1,
  maxLength: 15,
  pattern: '^[\\x21-\\x7e]+$',
  description: 'SMPP system_id: 1 to 15 printable ASCII characters, no spaces',
});

const AccountCreate = Type.Object(
  {
    systemId: SystemId,
    password: Type.String({
      minLength: 6,
      maxLength: 8,
      description:
        'Write-only. 6 to 8 printable ASCII characters: SMPP 3.4 carries at most 8. Stored as an scrypt hash.',
    }),
    subscriber: Type.String({
      minLength: 3,
      maxLength: 320,
      description: 'The subscriber it acts for (sender, billed): an id or one of their addresses',
    }),
    sourceAddresses: Type.Optional(
      Type.Array(Type.String({ maxLength: 17 }), {
        maxItems: 1000,
        description:
          'Numbers it may send from: E.164 (+4930555) or a prefix ending in * (+4930555*); none: the subscriber’s own numbers',
      }),
    ),
    throughput: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000,
        description:
          'Most submit_sm a second over all its sessions (ESME_RTHROTTLED beyond); default 10',
      }),
    ),
  },
  { additionalProperties: false },
);

const AccountView = Type.Object({
  id: Type.String(),
  systemId: Type.String(),
  subscriberId: Type.String(),
  sourceAddresses: Type.Array(Type.String()),
  throughput: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

/** SMPP accounts: applications' logins to the SMPP server (admin only). */
export const smppAccountRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.addHook('preHandler', async (request) => requireAdmin(request.principal));

  app.get(
    '/smpp-accounts',
    {
      schema: {
        tags: ['smpp-accounts'],
        summary: 'SMPP accounts of applications, by system_id',
        response: { 200: Type.Object({ accounts: Type.Array(AccountView) }) },
      },
    },
    async () => ({ accounts: await deps.smppAccounts.list() }),
  );

  app.post(
    '/smpp-accounts',
    {
      schema: {
        tags: ['smpp-accounts'],
        summary: 'Add an SMPP account for an application',
        body: AccountCreate,
        response: { 201: AccountView, 400: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      const { subscriber, ...body } = request.body;
      const owner = isId(subscriber)
        ? await deps.directory.lookup(subscriber)
        : await deps.directory.findByAddress(subscriber);
      if (!owner) throw notFound(`no subscriber ${subscriber}`);
      const created = await deps.smppAccounts.add({ ...body, subscriberId: owner.id });
      return reply.code(201).send(created);
    },
  );

  app.delete(
    '/smpp-accounts/:systemId',
    {
      schema: {
        tags: ['smpp-accounts'],
        summary: 'Remove an SMPP account; its sessions stay bound until they unbind',
        params: Type.Object({ systemId: SystemId }, { additionalProperties: false }),
        response: { 204: Type.Null(), 404: Problem },
      },
    },
    async (request, reply) => {
      if (!(await deps.smppAccounts.remove(request.params.systemId)))
        throw notFound(`no SMPP account ${request.params.systemId}`);
      return reply.code(204).send(null);
    },
  );
};
