import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Subscriber } from '../../core/subscriber.js';
import { IvmConnection } from './connection.js';
import type { Messenger } from './messenger.js';

export const IVM_PATH = '/api/v1/ivm';

/** A bearer token from the header, else `?token=` (browsers cannot set headers on a WebSocket). */
function tokenOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header) return /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null;
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' ? query.token : null;
}

function refuse(reply: FastifyReply, status: 401 | 403, detail: string) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `urn:switchboard:problem:${status === 401 ? 'unauthorized' : 'forbidden'}`,
      title: status === 401 ? 'Unauthorized' : 'Forbidden',
      status,
      detail,
      instance: IVM_PATH,
    });
}

declare module 'fastify' {
  interface FastifyRequest {
    ivmSubscriber?: Subscriber;
  }
}

/**
 * The voice messenger's WebSocket at /api/v1/ivm. The upgrade is authenticated before any
 * socket opens: no token, a bad one or the admin token gets problem details and no socket.
 */
export async function registerIvmRoute(app: FastifyInstance, messenger: Messenger): Promise<void> {
  const limits = messenger.deps.limits;
  // ws closes a connection with 1009 when a frame is larger than this.
  await app.register(websocket, {
    options: { maxPayload: limits.maxFrameBytes },
    // On shutdown every device is told (1001) and posts being spoken are stored before the
    // store closes, rather than cut off.
    preClose: async function (this: FastifyInstance) {
      await messenger.shutdown();
      await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
    } as never,
  });
  app.get(
    IVM_PATH,
    {
      websocket: true,
      schema: { hide: true },
      preValidation: async (request, reply) => {
        const token = tokenOf(request);
        if (!token)
          return refuse(reply, 401, 'sign in with POST /api/v1/sessions and pass ?token=<token>');
        if (messenger.deps.isAdminToken(token))
          return refuse(reply, 403, 'the voice messenger is for subscribers, not the admin token');
        const subscriber = await messenger.deps.directory.authenticate(token);
        if (!subscriber) return refuse(reply, 401, 'the token is unknown or expired');
        request.ivmSubscriber = subscriber;
      },
    },
    (socket, request) => {
      new IvmConnection(
        socket,
        request.ivmSubscriber!,
        tokenOf(request)!,
        messenger,
        request.raw.socket,
      );
    },
  );
}
