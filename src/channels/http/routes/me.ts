import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { unauthorized } from '../../../core/errors.js';
import type { RestApiDeps } from '../deps.js';
import { requireSubscriber } from '../principal.js';
import { SelfPatch, Subscriber } from '../schemas.js';

export const meRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.get(
    '/me',
    {
      schema: { tags: ['me'], summary: 'The signed-in subscriber', response: { 200: Subscriber } },
    },
    // Fresh from the store: the session's copy may be a few seconds old (usage counters).
    async (request) => deps.directory.require(requireSubscriber(request.principal).id),
  );

  app.patch(
    '/me',
    {
      schema: {
        tags: ['me'],
        summary:
          'Change one’s own profile, notification preferences, password (with currentPassword) or phone PIN',
        body: SelfPatch,
        response: { 200: Subscriber },
      },
    },
    async (request) => {
      const me = requireSubscriber(request.principal);
      const { currentPassword, ...patch } = request.body;
      if (patch.password !== undefined) {
        if (!(await deps.directory.verifyPassword(me.id, currentPassword ?? '')))
          throw unauthorized('to change the password, give the current one as currentPassword');
      }
      return deps.directory.update(me.id, patch);
    },
  );

  app.get(
    '/folders',
    {
      schema: {
        tags: ['messages'],
        summary: 'Folders of the signed-in mailbox with message and unread counts',
        response: {
          200: Type.Object({
            folders: Type.Array(
              Type.Object({ folder: Type.String(), total: Type.Integer(), unread: Type.Integer() }),
            ),
          }),
        },
      },
    },
    async (request) => ({
      folders: await deps.mailbox.folders(requireSubscriber(request.principal).id),
    }),
  );
};
