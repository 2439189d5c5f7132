import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionState } from '../../db/schema.ts';
import { crossSiteReason, isSafeMethod } from '../../http/csrf.ts';
import { ApiError } from '../../http/errors.ts';
import type { WardApp } from '../../http/types.ts';
import type { AuthContext, SessionService } from './service.ts';

export interface SessionCookie {
  /** `__Host-ward_session` over HTTPS; plain `ward_session` in development over HTTP, where a
   * `__Host-` cookie (which must be Secure) would be dropped by the browser. */
  readonly name: string;
  readonly secure: boolean;
}

export function sessionCookieFor(https: boolean): SessionCookie {
  return https ? { name: '__Host-ward_session', secure: true } : { name: 'ward_session', secure: false };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user; set by the session check on every non-public route. */
    auth: AuthContext | undefined;
    /** How the session token arrived. */
    authVia: 'cookie' | 'bearer' | undefined;
  }
  interface FastifyContextConfig {
    /** Session states, besides `active`, in which this route may be used. */
    allowedStates?: readonly SessionState[];
  }
}

const STATE_MESSAGES: Record<Exclude<SessionState, 'active'>, string> = {
  password_change_required: 'Your password has expired or must be changed before you continue.',
  second_factor_enrolment_required:
    'Your security level requires two-factor authentication: enrol before you continue.',
};

function tokenOf(
  request: FastifyRequest,
  cookieName: string,
): { token: string; via: 'cookie' | 'bearer' } | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer '))
    return { token: header.slice(7).trim(), via: 'bearer' };
  const cookie = request.cookies[cookieName];
  return cookie ? { token: cookie, via: 'cookie' } : undefined;
}

export function expectedOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/**
 * The one session check. Every route requires a live session unless its config says
 * `public: true`; cookie-authenticated unsafe requests must come from Ward's own origin (CSRF);
 * a session in a restricted state may reach only the routes that allow that state.
 */
export function registerSessionCheck(
  app: WardApp,
  sessions: SessionService,
  cookie: SessionCookie,
  /** Whether the user may use Ward at this moment (access hours); a session outside them ends. */
  mayAccessNow: (auth: AuthContext) => boolean = () => true,
): void {
  app.decorateRequest('auth', undefined);
  app.decorateRequest('authVia', undefined);
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    // An unknown route is a 404 for everyone; only known routes need a session.
    if (request.is404) return;
    if (config.public) {
      // Public unsafe routes (sign-in) still refuse cross-site posts: no login CSRF.
      // Clients that send neither header (curl, the mobile client) are not browsers a third-party
      // page could drive.
      const fromBrowser =
        request.headers['sec-fetch-site'] !== undefined || request.headers.origin !== undefined;
      if (!isSafeMethod(request.method) && fromBrowser) {
        const reason = crossSiteReason(request.headers, expectedOrigin(request));
        if (reason) throw new ApiError('csrf_rejected', `Cross-site request refused (${reason}).`);
      }
      return;
    }
    const presented = tokenOf(request, cookie.name);
    const auth = presented ? await sessions.authenticate(presented.token) : undefined;
    if (!presented || !auth)
      throw new ApiError('unauthenticated', 'Sign in to continue; your session has ended or is not valid.');
    if (presented.via === 'cookie' && !isSafeMethod(request.method)) {
      const reason = crossSiteReason(request.headers, expectedOrigin(request));
      if (reason) throw new ApiError('csrf_rejected', `Cross-site request refused (${reason}).`);
    }
    if (!mayAccessNow(auth)) {
      await sessions.revoke(auth.sessionId, 'outside_hours');
      throw new ApiError(
        'outside_access_hours',
        'Your access hours have ended, so your session was closed. You can sign in again within your hours.',
      );
    }
    if (auth.state !== 'active' && !(config.allowedStates ?? []).includes(auth.state)) {
      throw new ApiError(auth.state, STATE_MESSAGES[auth.state]);
    }
    request.auth = auth;
    request.authVia = presented.via;
  });
}

/** The signed-in user of a non-public route (the session check guarantees one). */
export function requireAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new ApiError('unauthenticated', 'Sign in to continue.');
  return request.auth;
}

export function setSessionCookie(
  reply: FastifyReply,
  cookie: SessionCookie,
  token: string,
  expiresAt: Date,
): void {
  void reply.setCookie(cookie.name, token, {
    path: '/',
    httpOnly: true,
    secure: cookie.secure,
    sameSite: 'strict',
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply, cookie: SessionCookie): void {
  void reply.clearCookie(cookie.name, {
    path: '/',
    httpOnly: true,
    secure: cookie.secure,
    sameSite: 'strict',
  });
}
