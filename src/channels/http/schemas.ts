import Type, { type Static, type TSchema, type TUnsafe } from 'typebox';
import { MESSAGE_TYPES, type MessageType } from '../../core/message.js';

/** Request and response schemas: they validate requests and generate the OpenAPI document. */
export const Id = Type.String({ format: 'uuid', description: 'Sortable id (UUIDv7)' });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export const AddressString = Type.String({
  minLength: 3,
  maxLength: 320,
  description: 'tel:, mailto:, sip: or ivm: URI',
});
// An enum keeps the OpenAPI document short and the static type exact.
export const MessageTypeSchema = Type.Unsafe<MessageType>(
  Type.String({ enum: [...MESSAGE_TYPES] }),
);
export const Timestamp = Type.String({ format: 'date-time' });
/**
 * A nullable value as `type: [x, "null"]`, not `anyOf`: with type coercion on (query strings need
 * it), ajv would turn a null into 0 or "" by trying the first branch of an anyOf.
 */
export function OrNull<T extends TSchema>(
  schema: T,
  options: Record<string, unknown> = {},
): TUnsafe<Static<T> | null> {
  const { type } = schema as unknown as { type: string };
  return Type.Unsafe<Static<T> | null>({ ...schema, ...options, type: [type, 'null'] });
}
const Nullable = OrNull;

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details' },
);

export const Part = Type.Object({
  index: Type.Integer({ minimum: 1 }),
  contentType: Type.String(),
  filename: OrNull(Type.String()),
  disposition: Type.Union([Type.Literal('inline'), Type.Literal('attachment')]),
  size: Type.Integer(),
  sha256: Type.String(),
  derivedFrom: OrNull(Type.Integer()),
  converter: OrNull(Type.String()),
});

export const Message = Type.Object({
  id: Id,
  type: MessageTypeSchema,
  folder: Type.String(),
  previousFolder: OrNull(Type.String()),
  from: Type.String(),
  to: Type.Array(Type.String()),
  subject: OrNull(Type.String()),
  read: Type.Boolean(),
  urgent: Type.Boolean(),
  createdAt: Timestamp,
  accessedAt: Nullable(Timestamp),
  expiresAt: Nullable(Timestamp),
  size: Type.Integer(),
  durationMs: OrNull(Type.Integer()),
  pages: OrNull(Type.Integer()),
  authResults: OrNull(Type.String(), {
    description: 'Mail: SPF, DKIM and DMARC results as an RFC 8601 Authentication-Results value',
  }),
  parts: Type.Array(Part),
});

export const MessageList = Type.Object({
  messages: Type.Array(Message),
  next: OrNull(Type.String(), {
    description: 'Pass as `before` for the next page',
  }),
});

export const ListQuery = Type.Object(
  {
    folder: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    type: Type.Optional(MessageTypeSchema),
    unread: Type.Optional(Type.Boolean()),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Full-text words; all must match' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    before: Type.Optional(Id),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const Attachment = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    contentType: Type.String({
      minLength: 3,
      maxLength: 200,
      pattern: '^[a-zA-Z0-9!#$&^_.+-]+/[a-zA-Z0-9!#$&^_.+-]+(;.*)?$',
    }),
    // Checked when decoded (lib/base64.ts): a regex here is slow on large attachments.
    content: Type.String({
      contentEncoding: 'base64',
      description: 'standard base64 with padding',
    }),
  },
  { additionalProperties: false },
);

/** A fax's cover page (type fax only): none, or the standard one with a note and names. */
export const FaxCover = Type.Object(
  {
    style: Type.Union([Type.Literal('none'), Type.Literal('standard')]),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
    senderName: Type.Optional(Type.String({ maxLength: 100 })),
    recipientName: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const Compose = Type.Object(
  {
    to: Type.Array(AddressString, { minItems: 1 }),
    from: Type.Optional(AddressString),
    type: Type.Optional(MessageTypeSchema),
    subject: Type.Optional(Type.String({ maxLength: 998 })),
    text: Type.Optional(Type.String()),
    html: Type.Optional(Type.String()),
    urgent: Type.Optional(Type.Boolean()),
    expiresAt: Type.Optional(Timestamp),
    scheduledAt: Type.Optional(Timestamp),
    priority: Type.Optional(
      Type.Union([Type.Literal('low'), Type.Literal('normal'), Type.Literal('high')]),
    ),
    attachments: Type.Optional(Type.Array(Attachment, { maxItems: 100 })),
    cover: Type.Optional(FaxCover),
  },
  { additionalProperties: false },
);
export type ComposeBody = Static<typeof Compose>;

export const IngestAnswer = Type.Object({
  id: OrNull(Id, {
    description: 'The sender’s copy in sent, else the first recipient copy',
  }),
  replayed: Type.Boolean(),
  copies: Type.Array(
    Type.Object({
      messageId: Id,
      address: Type.String(),
      folder: Type.String(),
      createdMailbox: Type.Boolean(),
    }),
  ),
  deliveries: Type.Array(
    Type.Object({ id: Id, recipient: Type.String(), priority: Type.String() }),
  ),
});

export const MessagePatch = Type.Object(
  {
    read: Type.Optional(Type.Boolean()),
    urgent: Type.Optional(Type.Boolean()),
    folder: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const PartParams = Type.Object(
  { id: Id, part: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

export const Session = Type.Object(
  { address: AddressString, password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

const Clock = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$' });
const Weekday = Type.Union(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)),
);
const ChannelList = Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 8 });
const SenderPatterns = Type.Array(Type.String({ minLength: 1, maxLength: 254 }), {
  maxItems: 100,
});

const DigestSchedule = Type.Union(
  [
    Type.Object(
      { intervalMinutes: Type.Integer({ minimum: 1, maximum: 1440 }) },
      { additionalProperties: false },
    ),
    Type.Object({ dailyAt: Clock }, { additionalProperties: false }),
  ],
  {
    description:
      'A digest instead of one notice per message: every N minutes after the first new message, or daily at a local time',
  },
);

const NotificationRule = Type.Object(
  {
    messageType: Type.String(),
    channels: Type.Array(Type.String()),
    urgentOnly: Type.Optional(Type.Boolean()),
    from: Type.Optional(
      Type.Object(
        { include: Type.Optional(SenderPatterns), exclude: Type.Optional(SenderPatterns) },
        {
          additionalProperties: false,
          description:
            'Sender patterns: an address, a number prefix ending in * (+4930*) or *@domain; include lets only those through, exclude silences them',
        },
      ),
    ),
    minDurationSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 3600,
        description: 'Shorter voice messages notify nobody',
      }),
    ),
    hours: Type.Optional(
      Type.Object(
        {
          days: Type.Array(Weekday, { minItems: 1, maxItems: 7 }),
          start: Clock,
          end: Clock,
          outside: Type.Optional(Type.Boolean()),
        },
        {
          additionalProperties: false,
          description:
            "Only inside these hours on these days (subscriber's time zone); with outside, only outside them",
        },
      ),
    ),
    digest: Type.Optional(Type.Union([DigestSchedule, Type.Literal(false)])),
  },
  { additionalProperties: false },
);

const NotificationPreferences = Type.Object(
  {
    rules: Type.Optional(Type.Array(NotificationRule, { maxItems: 64 })),
    quietHours: Type.Optional(
      Type.Object({ start: Clock, end: Clock }, { additionalProperties: false }),
    ),
    email: Type.Optional(
      Type.String({
        format: 'email',
        maxLength: 254,
        description:
          'Where email notices (voicemail-to-email) go; defaults to the first mail address',
      }),
    ),
    digest: Type.Optional(DigestSchedule),
    accountNotices: Type.Optional(
      Type.Object(
        { channels: ChannelList },
        {
          additionalProperties: false,
          description:
            'Where welcome, nearly-full, PIN and expiry notices go; default every channel the rules name',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

const ProfileFields = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  language: Type.Optional(Type.String({ maxLength: 35 })),
  timeZone: Type.Optional(Type.String({ maxLength: 64 })),
  currency: Type.Optional(Type.String({ minLength: 3, maxLength: 3 })),
  notificationPreferences: Type.Optional(NotificationPreferences),
  password: Type.Optional(Type.String({ maxLength: 256 })),
  pin: Type.Optional(Type.String({ maxLength: 12 })),
};
const AdminFields = {
  addresses: Type.Optional(Type.Array(AddressString, { minItems: 1, maxItems: 32 })),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive')])),
  role: Type.Optional(Type.Union([Type.Literal('subscriber'), Type.Literal('admin')])),
  quotaBytes: Type.Optional(OrNull(Type.Integer({ minimum: 0 }))),
  quotaMessages: Type.Optional(OrNull(Type.Integer({ minimum: 0 }))),
  retentionDays: Type.Optional(OrNull(Type.Integer({ minimum: 0 }))),
  spendLimit: Type.Optional(
    OrNull(
      Type.Number({
        minimum: 0,
        description:
          'Per calendar month, compared with what was spent in the currency of the resource carrying a delivery (rates are not converted)',
      }),
    ),
  ),
  sipSecret: Type.Optional(Type.String({ maxLength: 128 })),
};

export const SubscriberCreate = Type.Object(
  {
    ...ProfileFields,
    ...AdminFields,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    addresses: Type.Array(AddressString, { minItems: 1, maxItems: 32 }),
  },
  { additionalProperties: false },
);
export const SubscriberPatch = Type.Object(
  { ...ProfileFields, ...AdminFields },
  { additionalProperties: false, minProperties: 1 },
);
export const SelfPatch = Type.Object(
  { ...ProfileFields, currentPassword: Type.Optional(Type.String({ maxLength: 256 })) },
  { additionalProperties: false, minProperties: 1 },
);

export const Subscriber = Type.Object({
  id: Id,
  name: Type.String(),
  addresses: Type.Array(Type.String()),
  language: Type.String(),
  timeZone: Type.String(),
  currency: Type.String(),
  status: Type.String(),
  role: Type.String(),
  quotaBytes: OrNull(Type.Integer()),
  quotaMessages: OrNull(Type.Integer()),
  retentionDays: OrNull(Type.Integer()),
  spendLimit: OrNull(Type.Number()),
  usedBytes: Type.Integer(),
  messageCount: Type.Integer(),
  notificationPreferences: Type.Object({}, { additionalProperties: true }),
  dynamic: Type.Boolean(),
  hasPassword: Type.Boolean(),
  hasPin: Type.Boolean(),
  hasSipSecret: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const DocumentPart = Type.Object(
  {
    index: Type.Integer({ minimum: 1 }),
    contentType: Type.String({ minLength: 3, maxLength: 200 }),
    filename: OrNull(Type.String({ maxLength: 255 })),
    disposition: Type.Union([Type.Literal('inline'), Type.Literal('attachment')]),
    size: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    derivedFrom: OrNull(Type.Integer({ minimum: 1 })),
    converter: OrNull(Type.String()),
    content: Type.String({
      contentEncoding: 'base64',
      description: 'standard base64 with padding',
    }),
  },
  { additionalProperties: false },
);

export const MessageDocument = Type.Object(
  {
    format: Type.Literal('switchboard.message/1'),
    message: Type.Object(
      {
        id: Type.String(),
        type: MessageTypeSchema,
        folder: Type.String({ minLength: 1, maxLength: 64 }),
        from: AddressString,
        to: Type.Array(AddressString, { minItems: 1 }),
        subject: OrNull(Type.String({ maxLength: 998 })),
        read: Type.Boolean(),
        urgent: Type.Boolean(),
        createdAt: Timestamp,
        accessedAt: Nullable(Timestamp),
        expiresAt: Nullable(Timestamp),
        size: Type.Integer({ minimum: 0 }),
        durationMs: OrNull(Type.Integer({ minimum: 0 })),
        pages: OrNull(Type.Integer({ minimum: 0 })),
      },
      { additionalProperties: false },
    ),
    parts: Type.Array(DocumentPart, { maxItems: 100 }),
  },
  { additionalProperties: false },
);
