import swagger from '@fastify/swagger';
import { webApp } from './web-app.js';
import { messageLinkRoutes, type MessageLinkDeps } from '../channels/http/routes/message-link.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { RestApiDeps } from '../channels/http/deps.js';
import { restApi } from '../channels/http/plugin.js';
import { problemType, sendProblem, toProblem } from '../channels/http/problem.js';
import type { Config } from '../config/config.js';
import type { Metrics } from './metrics.js';
import { validatorCompiler } from './validators.js';

/** The path without its query: a `?token=` must never reach the logs. */
const pathOf = (url: string) => url.split('?')[0];

export interface HttpServerDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  api: RestApiDeps;
  /** What the web links in notices open (`/l/<token>`). */
  messageLinks: MessageLinkDeps;
  /** Readiness: resolves when the database answers. */
  ready(): Promise<void>;
  version: string;
}

/**
 * The one HTTP server: REST API under /api/v1, its OpenAPI document, health, readiness and
 * metrics. Channels contribute route plugins; this is where they are registered.
 */
export async function buildHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const https =
    config.tlsCert && config.tlsKey
      ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
      : null;
  const app = Fastify({
    ...(https ? { https } : {}),
    loggerInstance: deps.logger,
    // Request lines would be noise at this rate; refusals and failures are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    // A JSON body carries attachments in base64: 4/3 of the largest message, plus the envelope.
    bodyLimit: Math.ceil((config.maxMessageBytes * 4) / 3) + 65536,
    ajv: {
      // Unknown fields are refused rather than silently dropped, so a typo is an error, not a surprise.
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: false,
      },
    },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler());
  // Bodies are JSON; plain text is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain');

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard',
        version: deps.version,
        description:
          'Unified messaging: voicemail, fax, email, SMS and voice messages in one store. Errors are RFC 9457 problem details.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  app.setErrorHandler((err, request, reply) => {
    const problem = toProblem(err as Error, request);
    if (problem.status >= 500)
      request.log.error({ err, path: pathOf(request.url) }, 'request failed');
    else
      request.log.info(
        { path: pathOf(request.url), problem: problem.type, detail: problem.detail },
        'request refused',
      );
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: problemType('not-found'),
      title: 'Not found',
      status: 404,
      detail: `no route ${request.method} ${request.url.split('?')[0]}; see /api/openapi.json`,
      instance: request.url.split('?')[0],
    }),
  );

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({
      method: request.method,
      route,
      status: String(reply.statusCode),
    });
    deps.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  await app.register(restApi, { ...deps.api, prefix: '/api/v1' });
  await app.register(messageLinkRoutes(deps.messageLinks));
  await app.register(webApp);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    try {
      await deps.ready();
      return { status: 'ready' };
    } catch (err) {
      request.log.warn({ err }, 'not ready');
      return sendProblem(reply, {
        type: problemType('unavailable'),
        title: 'Not ready',
        status: 503,
        detail: 'the database does not answer',
      });
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
  // HTTPS and a pino logger give the instance a narrower type than the plain default.
  return app as unknown as FastifyInstance;
}
