import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { partsOfDocument } from '../../../core/message-document.js';
import type { RestApiDeps } from '../deps.js';
import { isAdmin, requirePrincipal, requireSubscriber } from '../principal.js';
import { IdParams, IngestAnswer, MessageDocument, Problem } from '../schemas.js';
import { documentToXml } from '../xml.js';
import { ingestAnswer } from './compose.js';
import { forbidden, invalid } from '../../../core/errors.js';

/** Export and import of a message as one self-describing document (JSON, or XML on export). */
export const documentRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.get(
    '/messages/:id/export',
    {
      schema: {
        tags: ['messages'],
        summary: 'The message and its parts as one document (format=json or xml)',
        params: IdParams,
        querystring: Type.Object(
          { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('xml')])) },
          { additionalProperties: false },
        ),
        response: { 200: MessageDocument, 401: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      const doc = await deps.mailbox.export(
        requireSubscriber(request.principal).id,
        request.params.id,
      );
      if (request.query.format === 'xml')
        return reply
          .type('application/xml; charset=utf-8')
          .serializer((x) => x as string)
          .send(documentToXml(doc) as never);
      return doc;
    },
  );

  app.post(
    '/messages/import',
    {
      schema: {
        tags: ['messages'],
        summary:
          'Store a message document in the signed-in mailbox (admins: any mailbox with ?mailbox=)',
        body: MessageDocument,
        querystring: Type.Object(
          { mailbox: Type.Optional(Type.String({ format: 'uuid' })) },
          { additionalProperties: false },
        ),
        response: {
          201: IngestAnswer,
          400: Problem,
          401: Problem,
          403: Problem,
          413: Problem,
          422: Problem,
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request.principal);
      let mailboxId: string;
      if (request.query.mailbox !== undefined) {
        if (!isAdmin(principal))
          throw forbidden('only administrators may import into another mailbox');
        mailboxId = request.query.mailbox;
      } else if (principal.kind === 'subscriber') mailboxId = principal.subscriber.id;
      else throw invalid('with the admin token, name the target mailbox with ?mailbox=');
      const doc = request.body;
      const m = doc.message;
      const result = await deps.intake.ingest(
        {
          type: m.type,
          from: m.from,
          to: m.to,
          subject: m.subject,
          urgent: m.urgent,
          createdAt: m.createdAt,
          expiresAt: m.expiresAt,
          durationMs: m.durationMs,
          pages: m.pages,
          read: m.read,
          folder: m.folder,
          intoMailbox: mailboxId,
        },
        partsOfDocument(doc),
      );
      return reply.code(201).send(ingestAnswer(result));
    },
  );
};
