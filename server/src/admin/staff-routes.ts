import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { requireAccess } from '../access/authorize.ts';
import { signInHistory } from '../account/last-access.ts';
import { requireAuth } from '../auth/sessions/http.ts';
import type { StepUpService } from '../auth/step-up/service.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';
import {
  AccessHoursSchema,
  Iid,
  IidUid,
  Roles,
  StaffMemberResponse,
  staffMemberResponse,
} from './schemas.ts';
import { actorOf } from './actor.ts';
import type { StaffAdministration } from './staff-service.ts';
import { findStaffMember, searchStaff } from './staff-store.ts';

export interface StaffRouteDeps {
  readonly db: Kysely<Schema>;
  readonly staff: StaffAdministration;
  readonly stepUp: StepUpService;
}

const permission = 'users.manage' as const;
const tags = ['administration'];

// Query strings are text and the app does not coerce types: a page size is digits, read here.
const PageSize = Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'page size, 1 to 200' });

function pageSize(text: string | undefined): number {
  return text === undefined ? 50 : Math.min(Number(text), 200);
}

function encodeCursor(username: string): string {
  return Buffer.from(username).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const username = Buffer.from(cursor, 'base64url').toString('utf8');
  if (username === '' || encodeCursor(username) !== cursor) {
    throw new ApiError('bad_request', 'The cursor is not one this server issued; start the list again.');
  }
  return username;
}

/** Administration > Users/Doctors: the institution's staff, for its administrators (`users.manage`). */
export function registerStaffRoutes(app: WardApp, deps: StaffRouteDeps): void {
  const { db, staff, stepUp } = deps;
  // Resetting someone's credentials hands their account to whoever sets the new ones: the
  // administrator confirms their own password (and code) first, so a session left open is not
  // enough. Whether the person is theirs to reset is answered first (404, or 403 for their own or
  // a shared account), without asking for the password.
  const requireFreshAdministrator = async (
    request: FastifyRequest,
    userId: string,
    purpose: string,
  ): Promise<void> => {
    await staff.mayResetCredentials(actorOf(request), requireAccess(request).institutionId, userId);
    await stepUp.requireRecent(requireAuth(request).sessionId, purpose);
  };

  app.get(
    '/api/institutions/:iid/admin/users',
    {
      config: { permission },
      schema: {
        tags,
        params: Iid,
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
            limit: Type.Optional(PageSize),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(StaffMemberResponse),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const limit = pageSize(request.query.limit);
      const rows = await searchStaff(db, access.institutionId, {
        q: request.query.q,
        after: request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(staffMemberResponse),
        nextCursor: rows.length > limit && last ? encodeCursor(last.username) : null,
      };
    },
  );

  app.get(
    '/api/institutions/:iid/admin/users/:uid',
    {
      config: { permission },
      schema: { tags, params: IidUid, response: { 200: StaffMemberResponse } },
    },
    async (request) => {
      const access = requireAccess(request);
      const member = await findStaffMember(db, access.institutionId, request.params.uid);
      if (!member) throw new ApiError('not_found', 'No such person on the staff of this institution.');
      return staffMemberResponse(member);
    },
  );

  app.post(
    '/api/institutions/:iid/admin/users',
    {
      config: { permission },
      schema: {
        tags,
        params: Iid,
        body: Type.Object(
          {
            username: Type.String({ minLength: 2, maxLength: 63 }),
            displayName: Type.String({ minLength: 1, maxLength: 200 }),
            email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
            roles: Roles,
            level: Type.String({ minLength: 1, maxLength: 100 }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            user: StaffMemberResponse,
            /** One-time link for the person to choose their password; give it to them only. */
            setPasswordLink: Type.String(),
          }),
        },
      },
    },
    async (request, reply) => {
      const access = requireAccess(request);
      const created = await staff.create(actorOf(request), access.institutionId, request.body);
      void reply.status(201);
      return { user: staffMemberResponse(created.member), setPasswordLink: created.setPasswordLink };
    },
  );

  app.patch(
    '/api/institutions/:iid/admin/users/:uid',
    {
      config: { permission },
      schema: {
        tags,
        params: IidUid,
        body: Type.Object(
          {
            version: Type.Integer({ minimum: 1 }),
            roles: Type.Optional(Roles),
            level: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            exportPermission: Type.Optional(
              Type.Object(
                {
                  granted: Type.Boolean(),
                  /** Required when granting: why export is safe for this person (e.g. anti-malware verified). */
                  note: Type.Optional(Type.String({ maxLength: 500 })),
                },
                { additionalProperties: false },
              ),
            ),
            accessHours: Type.Optional(AccessHoursSchema),
          },
          { additionalProperties: false },
        ),
        response: { 200: StaffMemberResponse },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const updated = await staff.update(
        actorOf(request),
        access.institutionId,
        request.params.uid,
        request.body,
      );
      return staffMemberResponse(updated);
    },
  );

  app.post(
    '/api/institutions/:iid/admin/users/:uid/disable',
    { config: { permission }, schema: { tags, params: IidUid, response: { 200: StaffMemberResponse } } },
    async (request) => {
      const access = requireAccess(request);
      return staffMemberResponse(
        await staff.disable(actorOf(request), access.institutionId, request.params.uid),
      );
    },
  );

  app.post(
    '/api/institutions/:iid/admin/users/:uid/enable',
    { config: { permission }, schema: { tags, params: IidUid, response: { 200: StaffMemberResponse } } },
    async (request) => {
      const access = requireAccess(request);
      return staffMemberResponse(
        await staff.enable(actorOf(request), access.institutionId, request.params.uid),
      );
    },
  );

  app.post(
    '/api/institutions/:iid/admin/users/:uid/2fa/reset',
    {
      config: { permission },
      schema: { tags, params: IidUid, response: { 200: Type.Object({ reset: Type.Boolean() }) } },
    },
    async (request) => {
      const access = requireAccess(request);
      await requireFreshAdministrator(
        request,
        request.params.uid,
        "reset someone's two-factor authentication",
      );
      return staff.resetTwoFactor(actorOf(request), access.institutionId, request.params.uid);
    },
  );

  app.post(
    '/api/institutions/:iid/admin/users/:uid/sessions/revoke',
    {
      config: { permission },
      schema: { tags, params: IidUid, response: { 200: Type.Object({ revoked: Type.Integer() }) } },
    },
    async (request) => {
      const access = requireAccess(request);
      return staff.revokeSessions(actorOf(request), access.institutionId, request.params.uid);
    },
  );

  app.post(
    '/api/institutions/:iid/admin/users/:uid/password-reset',
    {
      config: { permission },
      schema: {
        tags,
        params: IidUid,
        response: { 200: Type.Object({ link: Type.String(), validHours: Type.Integer() }) },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      await requireFreshAdministrator(request, request.params.uid, 'issue a password reset link');
      return staff.passwordResetLink(actorOf(request), access.institutionId, request.params.uid);
    },
  );

  app.get(
    '/api/institutions/:iid/admin/users/:uid/sign-ins',
    {
      config: { permission },
      schema: {
        tags,
        params: IidUid,
        querystring: Type.Object({ limit: Type.Optional(PageSize) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                at: Type.String({ format: 'date-time' }),
                ip: Type.String(),
                userAgent: Type.String(),
                outcome: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const member = await findStaffMember(db, access.institutionId, request.params.uid);
      if (!member) throw new ApiError('not_found', 'No such person on the staff of this institution.');
      const items = await signInHistory(db, member.username, pageSize(request.query.limit));
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
}
