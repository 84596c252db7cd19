import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../../core/errors.js';
import type { Subscriber } from '../../core/subscriber.js';
import type { Directory } from '../../directory/directory.js';
import { safeEqual } from '../../lib/hash.js';

/** Who is calling: a signed-in subscriber, or the operator's bootstrap admin token. */
export type Principal =
  { kind: 'subscriber'; subscriber: Subscriber; token: string } | { kind: 'admin-token' };

export interface PrincipalResolver {
  resolve(request: FastifyRequest): Promise<Principal | null>;
}

/** Bearer tokens from the Authorization header; `?token=` too, since EventSource and WebSocket cannot set headers. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m ? m[1]! : null;
  }
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' ? query.token : null;
}

export function principalResolver(
  directory: Directory,
  adminToken: string | null,
): PrincipalResolver {
  return {
    async resolve(request) {
      const token = bearerToken(request);
      if (!token) return null;
      if (adminToken !== null && safeEqual(token, adminToken)) return { kind: 'admin-token' };
      const subscriber = await directory.authenticate(token);
      return subscriber ? { kind: 'subscriber', subscriber, token } : null;
    },
  };
}

export function requirePrincipal(principal: Principal | null): Principal {
  if (!principal)
    throw unauthorized(
      'sign in with POST /api/v1/sessions and send the token as "Authorization: Bearer <token>"',
    );
  return principal;
}

export function requireSubscriber(principal: Principal | null): Subscriber {
  const p = requirePrincipal(principal);
  if (p.kind !== 'subscriber')
    throw forbidden('this needs a subscriber session, not the admin token');
  return p.subscriber;
}

export function requireAdmin(principal: Principal | null): void {
  const p = requirePrincipal(principal);
  if (p.kind === 'admin-token') return;
  if (p.subscriber.role !== 'admin') throw forbidden('only administrators may do this');
}

export function isAdmin(principal: Principal | null): boolean {
  return (
    principal !== null &&
    (principal.kind === 'admin-token' || principal.subscriber.role === 'admin')
  );
}
