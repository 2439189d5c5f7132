import type { FastifyRequest } from 'fastify';
import { requestContext } from '../audit/log.ts';
import { ApiError } from '../http/errors.ts';

/** Who is acting, as the audit trail records them: the signed-in user, their address and browser. */
export type Actor = ReturnType<typeof requestContext> & { readonly actorId: string };

export function actorOf(request: FastifyRequest): Actor {
  const auth = request.auth;
  if (!auth) throw new ApiError('unauthenticated', 'Sign in to continue.');
  return { ...requestContext(request), actorId: auth.userId };
}
