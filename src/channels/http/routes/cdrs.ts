import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { microsToPrice, type Cdr } from '../../../core/delivery.js';
import type { RestApiDeps } from '../deps.js';
import { isAdmin, requirePrincipal } from '../principal.js';
import { OrNull, Problem } from '../schemas.js';

const CdrView = Type.Object({
  id: Type.String(),
  deliveryId: Type.String(),
  subscriberId: OrNull(Type.String()),
  resourceId: Type.String(),
  destination: Type.String(),
  attempt: Type.Integer(),
  result: Type.String(),
  unit: Type.String(),
  units: Type.Integer(),
  rate: Type.Number(),
  cost: Type.Number(),
  currency: Type.String(),
  startedAt: Type.String(),
  endedAt: Type.String(),
});

const view = (c: Cdr) => {
  const { rateMicros, costMicros, ...rest } = c;
  return { ...rest, rate: microsToPrice(rateMicros), cost: microsToPrice(costMicros) };
};

const CSV_COLUMNS = [
  'id',
  'deliveryId',
  'subscriberId',
  'resourceId',
  'destination',
  'attempt',
  'result',
  'unit',
  'units',
  'rate',
  'cost',
  'currency',
  'startedAt',
  'endedAt',
] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading = + - @ is defused for spreadsheets. */
function csvField(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Call detail records: one per attempt; admins see all, subscribers their own. CSV for billing. */
export const cdrRoutes: FastifyPluginAsyncTypebox<RestApiDeps> = async (app, deps) => {
  app.get(
    '/cdrs',
    {
      schema: {
        tags: ['billing'],
        summary: 'Call detail records by subscriber and period; format=csv for a usage export',
        querystring: Type.Object(
          {
            subscriberId: Type.Optional(Type.String({ format: 'uuid' })),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
            format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000 })),
            // A download link cannot send a header: the token may ride in the query, as for parts.
            token: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ cdrs: Type.Array(CdrView) }), 401: Problem },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request.principal);
      const q = request.query;
      const subscriberId = isAdmin(principal)
        ? q.subscriberId
        : principal.kind === 'subscriber'
          ? principal.subscriber.id
          : undefined;
      const norm = (t: string | undefined) => (t ? new Date(t).toISOString() : undefined);
      const cdrs = (
        await deps.cdrs.listCdrs({
          subscriberId,
          from: norm(q.from),
          to: norm(q.to),
          limit: q.limit ?? 10_000,
        })
      ).map(view);
      if (q.format === 'csv') {
        const lines = [
          CSV_COLUMNS.join(','),
          ...cdrs.map((c) => CSV_COLUMNS.map((k) => csvField(c[k])).join(',')),
        ];
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="cdrs.csv"')
          .serializer((x) => x as string)
          .send((lines.join('\r\n') + '\r\n') as never);
      }
      return { cdrs };
    },
  );
};
