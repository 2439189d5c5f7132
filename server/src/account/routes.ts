import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { hoursOfMembership, judgeHours } from '../access/hours-gate.ts';
import { requestContext, type AuditEvent, type AuditLog } from '../audit/log.ts';
import { requireAuth, type SessionCookie } from '../auth/sessions/http.ts';
import type { SessionService } from '../auth/sessions/service.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';
import { membershipsOf } from '../identity/store.ts';
import { lastAccessOf, signInHistory } from './last-access.ts';
import type { PasswordService } from './password-service.ts';

export interface AccountRouteDeps {
  readonly db: Kysely<Schema>;
  readonly audit: AuditLog;
  readonly sessions: SessionService;
  readonly passwords: PasswordService;
  readonly cookie: SessionCookie;
}

const Access = Type.Object({
  at: Type.String({ format: 'date-time' }),
  ip: Type.String(),
  userAgent: Type.String(),
});

const Me = Type.Object({
  user: Type.Object({
    id: Type.String(),
    username: Type.String(),
    displayName: Type.String(),
    isSystemAdmin: Type.Boolean(),
  }),
  sessionState: Type.String(),
  memberships: Type.Array(
    Type.Object({
      institutionId: Type.String(),
      institutionName: Type.String(),
      roles: Type.Array(Type.String()),
      securityLevel: Type.String(),
    }),
  ),
  lastAccess: Type.Union([
    Type.Object({
      at: Type.String({ format: 'date-time' }),
      ip: Type.String(),
      userAgent: Type.String(),
      failedSince: Type.Integer(),
    }),
    Type.Null(),
  ]),
  failedSinceLastAccess: Type.Integer(),
  /** When the user's access hours end, if within a day (the UI warns ten minutes before). */
  accessEndsAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  passwordRequirements: Type.Object({
    minLength: Type.Integer(),
    maxLength: Type.Integer(),
    composition: Type.Boolean(),
    historyCount: Type.Integer(),
    maxAgeDays: Type.Integer(),
  }),
});

const SessionItem = Type.Object({
  id: Type.String(),
  current: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  ip: Type.String(),
  userAgent: Type.String(),
});

const ANY_STATE = ['password_change_required', 'second_factor_enrolment_required'] as const;

/** The signed-in user's own account: who they are, last access, password, sessions, history. */
/** An audit row about the person's own account (no institution: every one they belong to sees it). */
function accountEvent(request: FastifyRequest, action: string, userId: string): AuditEvent {
  return {
    ...requestContext(request),
    action,
    outcome: 'success',
    targetType: 'user',
    targetId: userId,
  };
}

export function registerAccountRoutes(app: WardApp, deps: AccountRouteDeps): void {
  app.get(
    '/api/me',
    { config: { allowedStates: ANY_STATE }, schema: { tags: ['account'], response: { 200: Me } } },
    async (request) => {
      const auth = requireAuth(request);
      const [memberships, access, requirements] = await Promise.all([
        membershipsOf(deps.db, auth.userId),
        lastAccessOf(deps.db, { id: auth.userId, username: auth.username }, auth.createdAt),
        deps.passwords.requirementsFor(auth.userId),
      ]);
      const hours = auth.memberships.map(hoursOfMembership);
      return {
        user: {
          id: auth.userId,
          username: auth.username,
          displayName: auth.displayName,
          isSystemAdmin: auth.isSystemAdmin,
        },
        sessionState: auth.state,
        memberships: memberships.map((m) => ({
          institutionId: m.institutionId,
          institutionName: m.institutionName,
          roles: [...m.roles],
          securityLevel: m.level.name,
        })),
        lastAccess: access.previous
          ? {
              at: access.previous.at.toISOString(),
              ip: access.previous.ip,
              userAgent: access.previous.userAgent,
              failedSince: access.failedSince,
            }
          : null,
        failedSinceLastAccess: access.failedSince,
        accessEndsAt: judgeHours(hours, new Date()).closesAt?.toISOString() ?? null,
        passwordRequirements: requirements,
      };
    },
  );

  app.get(
    '/api/me/sign-ins',
    {
      schema: {
        tags: ['account'],
        response: {
          200: Type.Object({
            items: Type.Array(Type.Intersect([Access, Type.Object({ outcome: Type.String() })])),
          }),
        },
      },
    },
    async (request) => {
      const auth = requireAuth(request);
      const items = await signInHistory(deps.db, auth.username);
      return {
        items: items.map((i) => ({
          at: i.at.toISOString(),
          ip: i.ip,
          userAgent: i.userAgent,
          outcome: i.outcome,
        })),
      };
    },
  );

  app.post(
    '/api/me/password',
    {
      config: { allowedStates: ['password_change_required'] },
      schema: {
        tags: ['account'],
        body: Type.Object(
          {
            currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
            newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ changed: Type.Boolean() }) },
      },
    },
    async (request) => {
      const auth = requireAuth(request);
      await deps.passwords.change(
        auth.userId,
        auth.sessionId,
        request.body.currentPassword,
        request.body.newPassword,
        (trx) => deps.audit.record(accountEvent(request, 'account.password_change', auth.userId), trx),
      );
      return { changed: true };
    },
  );

  app.post(
    '/api/me/password/check',
    {
      config: { allowedStates: ['password_change_required'] },
      schema: {
        tags: ['account'],
        body: Type.Object({ newPassword: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            acceptable: Type.Boolean(),
            reasons: Type.Array(
              Type.Object({
                code: Type.String(),
                message: Type.String(),
                min: Type.Optional(Type.Integer()),
                max: Type.Optional(Type.Integer()),
                word: Type.Optional(Type.String()),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const auth = requireAuth(request);
      try {
        await deps.passwords.checkPolicy(auth.userId, request.body.newPassword);
        return { acceptable: true, reasons: [] };
      } catch (error) {
        if (error instanceof ApiError && error.code === 'password_rejected') {
          const { reasons } = error.details as {
            reasons: { code: string; message: string; min?: number; max?: number; word?: string }[];
          };
          return {
            acceptable: false,
            reasons: reasons.map((r) => ({
              code: r.code,
              message: r.message,
              min: r.min,
              max: r.max,
              word: r.word,
            })),
          };
        }
        throw error;
      }
    },
  );

  app.get(
    '/api/me/sessions',
    { schema: { tags: ['account'], response: { 200: Type.Object({ items: Type.Array(SessionItem) }) } } },
    async (request) => {
      const auth = requireAuth(request);
      const items = await deps.sessions.listOfUser(auth.userId);
      return {
        items: items.map((s) => ({
          id: s.id,
          current: s.id === auth.sessionId,
          createdAt: s.createdAt.toISOString(),
          lastSeenAt: s.lastSeenAt.toISOString(),
          expiresAt: s.expiresAt.toISOString(),
          ip: s.ip,
          userAgent: s.userAgent,
        })),
      };
    },
  );

  app.delete(
    '/api/me/sessions/:id',
    {
      schema: {
        tags: ['account'],
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: Type.Object({ revoked: Type.Boolean() }) },
      },
    },
    async (request) => {
      const auth = requireAuth(request);
      const revoked = await deps.db.transaction().execute(async (trx) => {
        const done = await deps.sessions.revoke(request.params.id, 'revoked_by_user', auth.userId, trx);
        if (done) {
          await deps.audit.record(
            { ...accountEvent(request, 'account.session_revoke', auth.userId), details: { revoked: 1 } },
            trx,
          );
        }
        return done;
      });
      if (!revoked) throw new ApiError('not_found', 'No such session of yours is active.');
      return { revoked };
    },
  );

  app.post(
    '/api/me/sessions/revoke-others',
    { schema: { tags: ['account'], response: { 200: Type.Object({ revoked: Type.Integer() }) } } },
    async (request) => {
      const auth = requireAuth(request);
      return deps.db.transaction().execute(async (trx) => {
        const revoked = await deps.sessions.revokeAllOfUser(
          auth.userId,
          'signed_out_everywhere',
          auth.sessionId,
          trx,
        );
        await deps.audit.record(
          { ...accountEvent(request, 'account.session_revoke', auth.userId), details: { revoked } },
          trx,
        );
        return { revoked };
      });
    },
  );

  app.post(
    '/api/auth/password/reset',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        body: Type.Object(
          {
            token: Type.String({ minLength: 16, maxLength: 128 }),
            newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ passwordSet: Type.Boolean() }) },
      },
    },
    async (request) => {
      // Nobody is signed in: the row names the link's owner, who set the password.
      await deps.passwords.resetWithToken(request.body.token, request.body.newPassword, (trx, userId) =>
        deps.audit.record(
          { ...accountEvent(request, 'account.password_reset', userId), actorId: userId },
          trx,
        ),
      );
      return { passwordSet: true };
    },
  );
}
