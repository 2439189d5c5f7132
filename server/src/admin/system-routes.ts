import { Type } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { requireSystemAdmin } from '../access/authorize.ts';
import type { AuditLog } from '../audit/log.ts';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import { actorOf } from './actor.ts';
import { createInstitutionWithAdministrator } from './system-service.ts';
import { listInstitutions } from './system-store.ts';

export interface SystemRouteDeps {
  readonly db: Kysely<Schema>;
  readonly audit: AuditLog;
  readonly publicUrl: string;
}

const tags = ['system administration'];

/**
 * The deployment's institutions, for system administrators only. These routes belong to no
 * institution, so each handler asks `requireSystemAdmin` first.
 */
export function registerSystemRoutes(app: WardApp, deps: SystemRouteDeps): void {
  app.get(
    '/api/admin/institutions',
    {
      schema: {
        tags,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                timeZone: Type.String(),
                twoFactorEnabled: Type.Boolean(),
                createdAt: Type.String({ format: 'date-time' }),
                activeStaff: Type.Integer(),
                activeAdministrators: Type.Integer(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      requireSystemAdmin(request);
      const items = await listInstitutions(deps.db);
      return { items: items.map((i) => ({ ...i, createdAt: i.createdAt.toISOString() })) };
    },
  );

  app.post(
    '/api/admin/institutions',
    {
      schema: {
        tags,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            timeZone: Type.String({ minLength: 1, maxLength: 64 }),
            twoFactorEnabled: Type.Optional(Type.Boolean()),
            firstAdmin: Type.Object(
              {
                username: Type.String({ minLength: 2, maxLength: 63 }),
                displayName: Type.String({ minLength: 1, maxLength: 200 }),
                email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
              },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            institution: Type.Object({
              id: Type.String(),
              name: Type.String(),
              timeZone: Type.String(),
              twoFactorEnabled: Type.Boolean(),
            }),
            firstAdmin: Type.Object({ id: Type.String(), username: Type.String() }),
            /** One-time link for the first administrator to choose their password; give it to them only. */
            setPasswordLink: Type.String(),
          }),
        },
      },
    },
    async (request, reply) => {
      requireSystemAdmin(request);
      const created = await createInstitutionWithAdministrator(deps, actorOf(request), request.body);
      void reply.status(201);
      return created;
    },
  );
}
