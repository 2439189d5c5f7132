import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/log.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import { isTimeZone } from '../identity/store.ts';
import type { Actor } from './actor.ts';
import {
  getInstitutionSettings,
  getSecurityLevel,
  institutionNameTaken,
  updateInstitutionSettings,
  updateSecurityLevel,
  type InstitutionSettings,
  type InstitutionSettingsValues,
  type SecurityLevelValues,
  type StoredSecurityLevel,
} from './settings-store.ts';

export interface InstitutionAdministrationDeps {
  readonly db: Kysely<Schema>;
  readonly audit: AuditLog;
}

/** The fields whose values differ, as they were and as they become (for the audit trail). */
export function changedFields<T extends object>(
  before: T,
  after: T,
  keys: readonly (keyof T & string)[],
): { before: Partial<T>; after: Partial<T> } {
  const was: Partial<T> = {};
  const now: Partial<T> = {};
  for (const key of keys) {
    if (before[key] !== after[key]) {
      was[key] = before[key];
      now[key] = after[key];
    }
  }
  return { before: was, after: now };
}

function versionConflict(what: string, currentVersion: number): ApiError {
  return new ApiError(
    'version_conflict',
    `Someone else changed ${what} since you read it: reload and apply your change again.`,
    { details: { currentVersion } },
  );
}

const SETTINGS_KEYS = [
  'name',
  'timeZone',
  'twoFactorEnabled',
  'justifiedAccessHours',
  'nursesWriteNotes',
  'careRelationshipDays',
] as const;

const LEVEL_KEYS = [
  'minLength',
  'historyCount',
  'maxAgeDays',
  'requireSecondFactor',
  'idleTimeoutMinutes',
  'absoluteTimeoutMinutes',
  'compositionRequired',
] as const;

/**
 * An institution's own settings and the thresholds of its security levels, changed by its
 * administrators with optimistic concurrency; each change is audited with before and after.
 * Changes to a level apply to sessions started after them.
 */
export class InstitutionAdministration {
  readonly #deps: InstitutionAdministrationDeps;
  constructor(deps: InstitutionAdministrationDeps) {
    this.#deps = deps;
  }

  async updateSettings(
    actor: Actor,
    institutionId: string,
    version: number,
    input: InstitutionSettingsValues,
  ): Promise<InstitutionSettings> {
    const { db, audit } = this.#deps;
    const values = { ...input, name: input.name.trim() };
    if (values.name === '') throw new ApiError('validation_failed', 'The institution needs a name.');
    if (!isTimeZone(values.timeZone)) {
      throw new ApiError(
        'validation_failed',
        `"${values.timeZone}" is not an IANA time zone such as Europe/Madrid or America/Bogota.`,
      );
    }
    return db.transaction().execute(async (trx) => {
      const before = await getInstitutionSettings(trx, institutionId);
      if (!before) throw new ApiError('not_found', 'No such institution.');
      if (before.version !== version) throw versionConflict('these settings', before.version);
      const diff = changedFields<InstitutionSettingsValues>(before, values, SETTINGS_KEYS);
      if (Object.keys(diff.after).length === 0) return before;
      if (diff.after.name !== undefined && (await institutionNameTaken(trx, values.name, institutionId))) {
        throw new ApiError('conflict', `Another institution is already named "${values.name}".`);
      }
      const newVersion = await updateInstitutionSettings(trx, institutionId, version, values);
      if (newVersion === undefined) throw versionConflict('these settings', before.version);
      await audit.record(
        {
          ...actor,
          action: 'institution.settings.update',
          outcome: 'success',
          institutionId,
          targetType: 'institution',
          targetId: institutionId,
          details: { ...diff, version: newVersion },
        },
        trx,
      );
      return { ...before, ...values, version: newVersion };
    });
  }

  async updateSecurityLevel(
    actor: Actor,
    institutionId: string,
    levelId: string,
    version: number,
    values: SecurityLevelValues,
  ): Promise<StoredSecurityLevel> {
    const { db, audit } = this.#deps;
    if (values.idleTimeoutMinutes > values.absoluteTimeoutMinutes) {
      throw new ApiError(
        'validation_failed',
        'The idle timeout cannot be longer than the absolute timeout of a session.',
      );
    }
    return db.transaction().execute(async (trx) => {
      const before = await getSecurityLevel(trx, institutionId, levelId);
      if (!before) throw new ApiError('not_found', 'No such security level in this institution.');
      if (before.version !== version) throw versionConflict('this security level', before.version);
      const diff = changedFields<SecurityLevelValues>(before, values, LEVEL_KEYS);
      if (Object.keys(diff.after).length === 0) return before;
      const newVersion = await updateSecurityLevel(trx, institutionId, levelId, version, values);
      if (newVersion === undefined) throw versionConflict('this security level', before.version);
      await audit.record(
        {
          ...actor,
          action: 'security_level.update',
          outcome: 'success',
          institutionId,
          targetType: 'security_level',
          targetId: levelId,
          details: { level: before.name, ...diff, version: newVersion },
        },
        trx,
      );
      return { ...before, ...values, version: newVersion };
    });
  }
}
