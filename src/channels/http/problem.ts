import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isSwitchboardError, type ErrorKind } from '../../core/errors.js';

/** RFC 9457 problem details. `type` names the kind of problem; docs/api.md lists them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

const KINDS: Record<ErrorKind, { status: number; title: string }> = {
  invalid: { status: 400, title: 'Invalid request' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  'not-found': { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  'too-large': { status: 413, title: 'Too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'not-acceptable': { status: 406, title: 'Format not available' },
  'no-mailbox': { status: 422, title: 'No such mailbox' },
  'quota-exceeded': { status: 422, title: 'Mailbox full' },
  unavailable: { status: 503, title: 'Temporarily unavailable' },
};

export function problemType(kind: string): string {
  return `urn:switchboard:problem:${kind}`;
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/** Turns any error into problem details; domain errors keep their kind, the rest are hidden. */
export function toProblem(err: FastifyError | Error, request: FastifyRequest): Problem {
  const instance = request.url.split('?')[0];
  if (isSwitchboardError(err)) {
    const k = KINDS[err.kind];
    return {
      type: problemType(err.kind),
      title: k.title,
      status: k.status,
      detail: err.message,
      instance,
      ...err.details,
    };
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    return {
      type: problemType('invalid'),
      title: 'Invalid request',
      status: 400,
      detail:
        `${fe.validationContext ?? 'request'} ${fe.validation[0]?.instancePath ?? ''} ${fe.validation[0]?.message ?? 'is invalid'}`
          .replace(/\s+/g, ' ')
          .trim(),
      instance,
      errors: fe.validation.map((v) => ({
        path: v.instancePath,
        message: v.message,
        params: v.params,
      })),
    };
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return {
      type: problemType('too-large'),
      title: 'Too large',
      status: 413,
      detail: 'the request body is larger than the configured limit',
      instance,
    };
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const kind =
      fe.statusCode === 415
        ? 'unsupported-media-type'
        : fe.statusCode === 404
          ? 'not-found'
          : 'invalid';
    return {
      type: problemType(kind),
      title: kind === 'invalid' ? 'Invalid request' : kind,
      status: fe.statusCode,
      detail: fe.message,
      instance,
    };
  }
  return {
    type: problemType('internal'),
    title: 'Internal error',
    status: 500,
    detail: 'something went wrong on the server; it has been logged',
    instance,
  };
}
