import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { RestApiDeps } from '../deps.js';
import { Problem } from '../schemas.js';

const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

/**
 * Webhooks an HTTP SMS provider calls (`POST /sms/webhooks/{resource}/status|inbound`). Not a
 * user's routes: no bearer token, the provider proves itself by signing the exact body (or by a
 * token in the URL), so the body is kept as the bytes that came, JSON or form alike.
 */
export const smsWebhookRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  const hooks = deps.smsWebhooks;
  if (!hooks) return;
  // This plugin's own parsers (Fastify keeps them to it): the raw bytes, for the signature.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    BODY_TYPES,
    { parseAs: 'buffer', bodyLimit: hooks.maxBodyBytes },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/sms/webhooks/:resource/:kind',
    {
      bodyLimit: hooks.maxBodyBytes,
      schema: {
        tags: ['sms'],
        summary:
          'Called by an HTTP SMS provider: delivery statuses (`status`) and incoming SMS (`inbound`)',
        description:
          'Authenticated by the resource’s webhook secret: an HMAC-SHA256 of the exact body in the configured header, or `?token=`. JSON or form bodies; field names as the resource config says.',
        security: [],
        params: Type.Object(
          {
            resource: Type.String({
              minLength: 1,
              maxLength: 100,
              description: 'The sms resource’s id or name',
            }),
            kind: Type.Union([Type.Literal('status'), Type.Literal('inbound')]),
          },
          { additionalProperties: false },
        ),
        querystring: Type.Object({
          token: Type.Optional(
            Type.String({ maxLength: 500, description: 'The webhook secret (url-token)' }),
          ),
        }),
        response: {
          200: Type.Object({
            status: Type.Union([Type.Literal('accepted'), Type.Literal('ignored')]),
          }),
          400: Problem,
          401: Problem,
          413: Problem,
          415: Problem,
          422: Problem,
        },
      },
    },
    async (request) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      return hooks.handle({
        resource: request.params.resource,
        kind: request.params.kind,
        contentType: request.headers['content-type'] ?? '',
        body,
        header: (name) => {
          const v = request.headers[name.toLowerCase()];
          return Array.isArray(v) ? v[0] : v;
        },
        token: request.query.token,
        remote: request.ip,
      });
    },
  );
};
