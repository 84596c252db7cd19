import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { normaliseAddress } from '../../../core/address.js';
import type { RestApiDeps } from '../deps.js';
import { requireSubscriber } from '../principal.js';
import { AddressString, Id, MessageTypeSchema, OrNull, Problem, Timestamp } from '../schemas.js';

const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

/** The kind of message conversations are made of: SMS unless the query says otherwise. */
const TypeQuery = { type: Type.Optional(MessageTypeSchema) };

const Conversation = Type.Object({
  party: Type.String({ description: 'The other party’s address, e.g. tel:+4930123456' }),
  lastMessageId: Type.String(),
  lastAt: Timestamp,
  lastDirection: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  lastText: Type.String({ description: 'The start of the last text (160 characters at most)' }),
  total: Type.Integer(),
  unread: Type.Integer({ description: 'Received texts not read yet' }),
});

const ThreadMessage = Type.Object({
  id: Type.String(),
  direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  createdAt: Timestamp,
  read: Type.Boolean(),
  text: Type.String(),
  status: OrNull(Type.String({ enum: ['sending', 'sent', 'delivered', 'failed'] }), {
    description:
      'Sent texts: sending (queued), sent (the SMSC took it, its receipt is awaited), delivered (the receipt says so, or a local mailbox has it), failed; null for received ones',
  }),
  error: OrNull(Type.String(), { description: 'Why a failed text failed' }),
});

const PartyParams = Type.Object({ party: AddressString }, { additionalProperties: false });

/**
 * SMS as conversations: one per other party's number, the texts both ways in one thread with
 * each sent one's delivery status. Only the signed-in subscriber's own mailbox.
 */
export const conversationRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.get(
    '/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary:
          'Conversations, newest first: one per other party, with the last text and unread count',
        querystring: Type.Object(
          {
            ...TypeQuery,
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ conversations: Type.Array(Conversation) }),
          ...problems,
        },
      },
    },
    async (request) => {
      const me = requireSubscriber(request.principal);
      const { type = 'sms', limit = 50 } = request.query;
      return { conversations: await deps.conversations.list(me.id, type, limit) };
    },
  );

  app.get(
    '/conversations/:party/messages',
    {
      schema: {
        tags: ['conversations'],
        summary: 'The texts with one party both ways, oldest first; `before` pages back',
        params: PartyParams,
        querystring: Type.Object(
          {
            ...TypeQuery,
            before: Type.Optional(Id),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            party: Type.String(),
            messages: Type.Array(ThreadMessage),
            older: OrNull(Type.String(), {
              description: 'Pass as `before` for older texts; null when there are none',
            }),
          }),
          ...problems,
        },
      },
    },
    async (request) => {
      const me = requireSubscriber(request.principal);
      const party = normaliseAddress(request.params.party);
      const { type = 'sms', limit = 100, before } = request.query;
      const messages = await deps.conversations.thread(me.id, type, party, { before, limit });
      return {
        party,
        messages,
        older: messages.length === limit ? messages[0]!.id : null,
      };
    },
  );

  app.post(
    '/conversations/:party/read',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Mark every text received from the party read',
        params: PartyParams,
        querystring: Type.Object(TypeQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ marked: Type.Integer() }), ...problems },
      },
    },
    async (request) => {
      const me = requireSubscriber(request.principal);
      const party = normaliseAddress(request.params.party);
      const { type = 'sms' } = request.query;
      return { marked: await deps.conversations.markRead(me.id, type, party) };
    },
  );
};
