import { Type, type Static } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { requireAccess } from '../access/authorize.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';
import { actorOf } from './actor.ts';
import { Iid } from './schemas.ts';
import type { InstitutionAdministration } from './settings-service.ts';
import {
  getInstitutionSettings,
  listSecurityLevels,
  type InstitutionSettings,
  type StoredSecurityLevel,
} from './settings-store.ts';

export interface SettingsRouteDeps {
  readonly db: Kysely<Schema>;
  readonly institutions: InstitutionAdministration;
}

const permission = 'institution.manage' as const;
const tags = ['administration'];

// The bounds the database enforces too (migrations 0002 and 0004).
const SettingsValues = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  timeZone: Type.String({ minLength: 1, maxLength: 64 }),
  twoFactorEnabled: Type.Boolean(),
  justifiedAccessHours: Type.Integer({ minimum: 1, maximum: 168 }),
  nursesWriteNotes: Type.Boolean(),
  careRelationshipDays: Type.Integer({ minimum: 1, maximum: 365 }),
};

const SettingsResponse = Type.Object({ id: Type.String(), version: Type.Integer(), ...SettingsValues });

const LevelValues = {
  minLength: Type.Integer({ minimum: 8, maximum: 64 }),
  historyCount: Type.Integer({ minimum: 0, maximum: 24 }),
  /** 0 = passwords never expire (the NIST default). */
  maxAgeDays: Type.Integer({ minimum: 0, maximum: 3650 }),
  requireSecondFactor: Type.Boolean(),
  idleTimeoutMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
  absoluteTimeoutMinutes: Type.Integer({ minimum: 5, maximum: 10080 }),
  compositionRequired: Type.Boolean(),
};

const LevelResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  ...LevelValues,
});

function settingsResponse(s: InstitutionSettings): Static<typeof SettingsResponse> {
  return {
    id: s.id,
    version: s.version,
    name: s.name,
    timeZone: s.timeZone,
    twoFactorEnabled: s.twoFactorEnabled,
    justifiedAccessHours: s.justifiedAccessHours,
    nursesWriteNotes: s.nursesWriteNotes,
    careRelationshipDays: s.careRelationshipDays,
  };
}

function levelResponse(l: StoredSecurityLevel): Static<typeof LevelResponse> {
  return {
    id: l.id,
    name: l.name,
    version: l.version,
    minLength: l.minLength,
    historyCount: l.historyCount,
    maxAgeDays: l.maxAgeDays,
    requireSecondFactor: l.requireSecondFactor,
    idleTimeoutMinutes: l.idleTimeoutMinutes,
    absoluteTimeoutMinutes: l.absoluteTimeoutMinutes,
    compositionRequired: l.compositionRequired,
  };
}

/** The institution's settings and security levels, for its administrators (`institution.manage`). */
export function registerSettingsRoutes(app: WardApp, deps: SettingsRouteDeps): void {
  const { db, institutions } = deps;

  app.get(
    '/api/institutions/:iid/settings',
    { config: { permission }, schema: { tags, params: Iid, response: { 200: SettingsResponse } } },
    async (request) => {
      const access = requireAccess(request);
      const settings = await getInstitutionSettings(db, access.institutionId);
      if (!settings) throw new ApiError('not_found', 'No such institution.');
      return settingsResponse(settings);
    },
  );

  app.put(
    '/api/institutions/:iid/settings',
    {
      config: { permission },
      schema: {
        tags,
        params: Iid,
        body: Type.Object(
          { version: Type.Integer({ minimum: 1 }), ...SettingsValues },
          { additionalProperties: false },
        ),
        response: { 200: SettingsResponse },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const { version, ...values } = request.body;
      return settingsResponse(
        await institutions.updateSettings(actorOf(request), access.institutionId, version, values),
      );
    },
  );

  app.get(
    '/api/institutions/:iid/security-levels',
    {
      config: { permission },
      schema: { tags, params: Iid, response: { 200: Type.Object({ items: Type.Array(LevelResponse) }) } },
    },
    async (request) => {
      const access = requireAccess(request);
      return { items: (await listSecurityLevels(db, access.institutionId)).map(levelResponse) };
    },
  );

  app.put(
    '/api/institutions/:iid/security-levels/:levelId',
    {
      config: { permission },
      schema: {
        tags,
        params: Type.Object({
          iid: Type.String({ format: 'uuid' }),
          levelId: Type.String({ format: 'uuid' }),
        }),
        body: Type.Object(
          { version: Type.Integer({ minimum: 1 }), ...LevelValues },
          { additionalProperties: false },
        ),
        response: { 200: LevelResponse },
      },
    },
    async (request) => {
      const access = requireAccess(request);
      const { version, ...values } = request.body;
      return levelResponse(
        await institutions.updateSecurityLevel(
          actorOf(request),
          access.institutionId,
          request.params.levelId,
          version,
          values,
        ),
      );
    },
  );
}
