import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { RestApiDeps } from '../deps.js';
import { requireSubscriber } from '../principal.js';
import { Problem, Session, Subscriber } from '../schemas.js';
import { publicSubscriber } from '../views.js';

export const sessionRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.post(
    '/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Sign in with an address and password; returns a bearer token',
        body: Session,
        response: {
          201: Type.Object({
            token: Type.String(),
            expiresAt: Type.String(),
            subscriber: Subscriber,
          }),
        },
      },
      config: { public: true },
    },
    async (request, reply) => {
      const { token, subscriber, expiresAt } = await deps.directory.signIn(
        request.body.address,
        request.body.password,
      );
      return reply.code(201).send({ token, expiresAt, subscriber: publicSubscriber(subscriber) });
    },
  );

  app.delete(
    '/sessions/current',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Sign out: the token stops working',
        response: { 204: Type.Null(), 401: Problem },
      },
    },
    async (request, reply) => {
      requireSubscriber(request.principal);
      if (request.principal?.kind === 'subscriber')
        await deps.directory.signOut(request.principal.token);
      return reply.code(204).send(null);
    },
  );
};
