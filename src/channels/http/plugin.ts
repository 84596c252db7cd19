import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RestApiDeps } from './deps.js';
import { composeRoutes } from './routes/compose.js';
import { conversationRoutes } from './routes/conversations.js';
import { cdrRoutes } from './routes/cdrs.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { linkRoutes } from './routes/links.js';
import { resourceRoutes } from './routes/resources.js';
import { documentRoutes } from './routes/documents.js';
import { formatRoutes } from './routes/formats.js';
import { eventRoutes } from './routes/events.js';
import { greetingRoutes } from './routes/greetings.js';
import { meRoutes } from './routes/me.js';
import { messageRoutes } from './routes/messages.js';
import { partRoutes } from './routes/parts.js';
import { sessionRoutes } from './routes/sessions.js';
import { smppAccountRoutes } from './routes/smpp-accounts.js';
import { smsWebhookRoutes } from './routes/sms-webhooks.js';
import { subscriberRoutes } from './routes/subscribers.js';

/** The REST API, registered by the app under /api/v1. Every route sees `request.principal`. */
export const restApi: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, options) => {
  // The registration options carry the prefix; passed on, it would be applied twice.
  const { prefix: _prefix, ...deps } = options as RestApiDeps & { prefix?: string };
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    request.principal = await deps.principals.resolve(request);
  });
  for (const routes of [
    sessionRoutes,
    meRoutes,
    greetingRoutes,
    messageRoutes,
    conversationRoutes,
    partRoutes,
    composeRoutes,
    documentRoutes,
    eventRoutes,
    deliveryRoutes,
    cdrRoutes,
    formatRoutes,
    linkRoutes,
  ])
    await app.register(routes, deps);
  await app.register(subscriberRoutes, deps);
  await app.register(resourceRoutes, deps);
  await app.register(smppAccountRoutes, deps);
  await app.register(smsWebhookRoutes, deps);
};
