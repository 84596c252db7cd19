import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { SwitchboardError } from '../../../core/errors.js';
import type { Greeting } from '../../../core/greeting.js';
import type { RestApiDeps } from '../deps.js';
import { requireSubscriber } from '../principal.js';
import { Problem, Timestamp } from '../schemas.js';

// Spelled out (not mapped from core's GREETING_KINDS) so that the handlers see the literal types.
const GreetingKind = Type.Union([
  Type.Literal('unavailable'),
  Type.Literal('busy'),
  Type.Literal('name'),
]);
const KindParams = Type.Object({ kind: GreetingKind }, { additionalProperties: false });

const GreetingView = Type.Object({
  kind: GreetingKind,
  contentType: Type.String({ description: 'As uploaded or recorded' }),
  size: Type.Integer(),
  durationMs: Type.Integer(),
  updatedAt: Timestamp,
});

const view = (g: Greeting) => ({
  kind: g.kind,
  contentType: g.contentType,
  size: g.size,
  durationMs: g.durationMs,
  updatedAt: g.updatedAt,
});

/**
 * The signed-in subscriber's greetings (unavailable, busy, name). The audio travels as the raw
 * request or response body with its own content type, so this plugin adds a parser for audio
 * bodies; being its own plugin, the rest of the API still takes only JSON.
 */
export const greetingRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  const { maxBytes, maxSeconds } = deps.greetings.limits;
  app.addContentTypeParser(
    /^audio\//i,
    { parseAs: 'buffer', bodyLimit: maxBytes },
    (_request, body, done) => done(null, body),
  );

  app.get(
    '/me/greetings',
    {
      schema: {
        tags: ['me'],
        summary: 'Which greetings are recorded, and the limits a new one must keep',
        response: {
          200: Type.Object({
            greetings: Type.Array(GreetingView),
            limits: Type.Object({ maxBytes: Type.Integer(), maxSeconds: Type.Integer() }),
          }),
          401: Problem,
        },
      },
    },
    async (request) => ({
      greetings: (await deps.greetings.list(requireSubscriber(request.principal).id)).map(view),
      limits: { maxBytes, maxSeconds },
    }),
  );

  app.get(
    '/me/greetings/:kind',
    {
      schema: {
        tags: ['me'],
        summary:
          'The greeting’s audio as recorded; `format` asks for another (e.g. `slin` for the 8 kHz WAV a call plays)',
        params: KindParams,
        querystring: Type.Object(
          {
            format: Type.Optional(Type.String({ maxLength: 100 })),
            token: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }),
          401: Problem,
          404: Problem,
          406: Problem,
        },
      },
    },
    async (request, reply) => {
      const me = requireSubscriber(request.principal);
      const audio = await deps.greetings.audio(me.id, request.params.kind, request.query.format);
      return reply
        .header('content-type', audio.contentType)
        .header('content-length', audio.content.length)
        .header('cache-control', 'private, no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(audio.content);
    },
  );

  app.put(
    '/me/greetings/:kind',
    {
      bodyLimit: maxBytes,
      schema: {
        tags: ['me'],
        summary: `Record a greeting: the raw audio as the body with its Content-Type (audio/wav, audio/ogg, audio/webm, audio/mpeg, ...); at most ${maxSeconds} s`,
        params: KindParams,
        consumes: ['audio/wav', 'audio/ogg', 'audio/webm', 'audio/mpeg'],
        response: {
          200: GreetingView,
          400: Problem,
          401: Problem,
          413: Problem,
          415: Problem,
        },
      },
    },
    async (request) => {
      const me = requireSubscriber(request.principal);
      const type = request.headers['content-type'] ?? '';
      // An empty body may arrive as nothing at all; the service says it is empty.
      const body = request.body ?? Buffer.alloc(0);
      // A JSON body was parsed as JSON: it is the content type that is wrong, not the audio.
      if (!Buffer.isBuffer(body))
        throw new SwitchboardError(
          'unsupported-media-type',
          `a greeting is sent as raw audio with an audio/* Content-Type, not ${type}`,
        );
      return view(await deps.greetings.record(me.id, request.params.kind, type, body));
    },
  );

  app.delete(
    '/me/greetings/:kind',
    {
      schema: {
        tags: ['me'],
        summary: 'Remove a greeting; callers hear the system’s own from then on',
        params: KindParams,
        response: { 204: Type.Null(), 401: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      await deps.greetings.remove(requireSubscriber(request.principal).id, request.params.kind);
      return reply.code(204).send(null);
    },
  );
};
