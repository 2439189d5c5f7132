import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../auth/sessions/service.ts';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';
import type { InstitutionRole } from '../identity/roles.ts';
import { isAllowedAt, type AccessHours } from './hours.ts';
import { rolesAllow, type Action } from './permissions.ts';

/** The signed-in user's standing in the institution a request addresses. */
export interface InstitutionAccess {
  readonly institutionId: string;
  readonly userId: string;
  readonly roles: readonly InstitutionRole[];
  readonly timeZone: string;
  readonly justifiedAccessHours: number;
  readonly careRelationshipDays: number;
  readonly nursesWriteNotes: boolean;
  /** Granted per member by the institution's administrators (seed: only on protected devices). */
  readonly exportPermission: boolean;
  readonly hours: AccessHours;
  can(action: Action): boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a route under /api/institutions/:iid does; the permission check enforces it. */
    permission?: Action;
  }
  interface FastifyRequest {
    /** Set by the permission check on every institution route. */
    access: InstitutionAccess | undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(): ApiError {
  return new ApiError('not_found', 'No such institution, or you are not a member of it.');
}

/** The user's standing in `institutionId`, from the memberships the session check read. */
export function accessOf(auth: AuthContext, institutionId: string): InstitutionAccess | undefined {
  if (!UUID.test(institutionId)) return undefined;
  const id = institutionId.toLowerCase();
  const membership = auth.memberships.find((m) => m.institutionId === id);
  if (!membership) return undefined;
  const roles = membership.roles as InstitutionRole[];
  const settings = { nursesWriteNotes: membership.nursesWriteNotes };
  return {
    institutionId: membership.institutionId,
    userId: auth.userId,
    roles,
    timeZone: membership.timeZone,
    justifiedAccessHours: membership.justifiedAccessHours,
    careRelationshipDays: membership.careRelationshipDays,
    nursesWriteNotes: membership.nursesWriteNotes,
    exportPermission: membership.exportPermission,
    hours: membership.accessHours as AccessHours,
    can: (action) => rolesAllow(roles, action, settings),
  };
}

/**
 * The one permission check. Every route under `/api/institutions/:iid/` must declare the action it
 * performs (`config.permission`), or Ward refuses to start; each request then needs a live
 * membership in that institution (otherwise 404: other institutions' ids reveal nothing) whose
 * roles allow the action (otherwise 403). Memberships are read on every request, so a change of
 * roles applies to the very next one.
 */
export function registerPermissionCheck(app: WardApp): void {
  app.decorateRequest('access', undefined);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/institutions/:iid') && route.config?.permission === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no permission`);
    }
  });
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      request.access = permittedAccess(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}

function permittedAccess(request: FastifyRequest): InstitutionAccess | undefined {
  const permission = request.routeOptions.config.permission;
  if (permission === undefined) return undefined;
  const auth = request.auth;
  if (!auth) throw new ApiError('unauthenticated', 'Sign in to continue.');
  const { iid } = request.params as { iid?: string };
  const access = iid === undefined ? undefined : accessOf(auth, iid);
  if (!access) throw notFound();
  if (!isAllowedAt(access.hours, access.timeZone, new Date())) {
    throw new ApiError(
      'outside_access_hours',
      'Your access hours for this institution do not include this time.',
    );
  }
  if (!access.can(permission)) {
    throw new ApiError('forbidden', 'Your role in this institution does not allow this.');
  }
  return access;
}

/** The access the permission check established for this request. */
export function requireAccess(request: FastifyRequest): InstitutionAccess {
  if (!request.access) throw new ApiError('forbidden', 'This route has no permission check.');
  return request.access;
}

/**
 * The signed-in system administrator, for the deployment-wide routes under `/api/admin/`, which no
 * institution role reaches; anyone else gets 403.
 */
export function requireSystemAdmin(request: FastifyRequest): AuthContext {
  const auth = request.auth;
  if (!auth) throw new ApiError('unauthenticated', 'Sign in to continue.');
  if (!auth.isSystemAdmin) throw new ApiError('forbidden', 'Only a system administrator may do this.');
  return auth;
}
