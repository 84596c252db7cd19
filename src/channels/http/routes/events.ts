import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServerResponse } from 'node:http';
import Type from 'typebox';
import { newId } from '../../../lib/ids.js';
import type { RestApiDeps } from '../deps.js';
import { requireSubscriber } from '../principal.js';
import { Problem } from '../schemas.js';

/**
 * Server-sent events about the signed-in mailbox: message.created, message.updated,
 * message.deleted. A `ready` event opens the stream, so a client knows it is subscribed; comment
 * lines keep proxies from closing an idle stream.
 */
export const eventRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  const open = new Set<ServerResponse>();
  // Streams never finish on their own; end them so that closing the server does not wait forever.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary:
          'Live events about the signed-in mailbox (text/event-stream); `?token=` for EventSource',
        querystring: Type.Object(
          { token: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Unsafe<never>({ type: 'string', description: 'text/event-stream' }),
          401: Problem,
          403: Problem,
        },
      },
    },
    async (request, reply) => {
      const me = requireSubscriber(request.principal);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const send = (event: string, data: unknown) =>
        res.write(`id: ${newId()}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.write('retry: 3000\n\n');
      const unsubscribe = deps.bus.subscribe(`mailbox.${me.id}`, (event) =>
        send(event.type, event),
      );
      send('ready', { type: 'ready', subscriberId: me.id });
      const heartbeat = setInterval(
        () => res.write(': keep-alive\n\n'),
        deps.eventHeartbeatSeconds * 1000,
      );
      deps.onEventClients?.(1);
      open.add(res);
      const close = () => {
        open.delete(res);
        clearInterval(heartbeat);
        unsubscribe();
        deps.onEventClients?.(-1);
      };
      request.raw.once('close', close);
    },
  );
};
