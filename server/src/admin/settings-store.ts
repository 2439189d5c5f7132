import { sql, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';
import type { SecurityLevel } from '../identity/security-levels.ts';

/** What an institution's administrators decide for the whole institution. */
export interface InstitutionSettingsValues {
  readonly name: string;
  readonly timeZone: string;
  readonly twoFactorEnabled: boolean;
  readonly justifiedAccessHours: number;
  readonly nursesWriteNotes: boolean;
  readonly careRelationshipDays: number;
}

export interface InstitutionSettings extends InstitutionSettingsValues {
  readonly id: string;
  readonly version: number;
}

export type SecurityLevelValues = Omit<SecurityLevel, 'name'>;

export interface StoredSecurityLevel extends SecurityLevel {
  readonly id: string;
  readonly version: number;
}

export async function getInstitutionSettings(
  db: Kysely<Schema>,
  institutionId: string,
): Promise<InstitutionSettings | undefined> {
  const row = await db
    .selectFrom('ward.institutions')
    .select([
      'id',
      'name',
      'time_zone',
      'two_factor_enabled',
      'justified_access_hours',
      'nurses_write_notes',
      'care_relationship_days',
      'version',
    ])
    .where('id', '=', institutionId)
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      name: row.name,
      timeZone: row.time_zone,
      twoFactorEnabled: row.two_factor_enabled,
      justifiedAccessHours: row.justified_access_hours,
      nursesWriteNotes: row.nurses_write_notes,
      careRelationshipDays: row.care_relationship_days,
      version: row.version,
    }
  );
}

/** Saves the settings if they are still at `version`; returns the new version, or undefined. */
export async function updateInstitutionSettings(
  trx: Kysely<Schema>,
  institutionId: string,
  version: number,
  values: InstitutionSettingsValues,
): Promise<number | undefined> {
  const row = await trx
    .updateTable('ward.institutions')
    .set({
      name: values.name,
      time_zone: values.timeZone,
      two_factor_enabled: values.twoFactorEnabled,
      justified_access_hours: values.justifiedAccessHours,
      nurses_write_notes: values.nursesWriteNotes,
      care_relationship_days: values.careRelationshipDays,
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', institutionId)
    .where('version', '=', version)
    .returning('version')
    .executeTakeFirst();
  return row?.version;
}

/** Whether another institution of the deployment already has this name. */
export async function institutionNameTaken(
  db: Kysely<Schema>,
  name: string,
  exceptId?: string,
): Promise<boolean> {
  let query = db
    .selectFrom('ward.institutions')
    .select('id')
    .where(sql<boolean>`lower(name) = lower(${name})`);
  if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

function levelQuery(db: Kysely<Schema>, institutionId: string) {
  return db
    .selectFrom('ward.security_levels')
    .select([
      'id',
      'name',
      'min_length',
      'history_count',
      'max_age_days',
      'require_second_factor',
      'idle_timeout_minutes',
      'absolute_timeout_minutes',
      'composition_required',
      'version',
    ])
    .where('institution_id', '=', institutionId);
}

type LevelRow = Awaited<ReturnType<ReturnType<typeof levelQuery>['executeTakeFirstOrThrow']>>;

function toLevel(row: LevelRow): StoredSecurityLevel {
  return {
    id: row.id,
    name: row.name,
    minLength: row.min_length,
    historyCount: row.history_count,
    maxAgeDays: row.max_age_days,
    requireSecondFactor: row.require_second_factor,
    idleTimeoutMinutes: row.idle_timeout_minutes,
    absoluteTimeoutMinutes: row.absolute_timeout_minutes,
    compositionRequired: row.composition_required,
    version: row.version,
  };
}

/** The institution's security levels, from the least to the most demanding. */
export async function listSecurityLevels(
  db: Kysely<Schema>,
  institutionId: string,
): Promise<StoredSecurityLevel[]> {
  const rows = await levelQuery(db, institutionId).orderBy('min_length').orderBy('name').execute();
  return rows.map(toLevel);
}

export async function getSecurityLevel(
  db: Kysely<Schema>,
  institutionId: string,
  levelId: string,
): Promise<StoredSecurityLevel | undefined> {
  const row = await levelQuery(db, institutionId).where('id', '=', levelId).executeTakeFirst();
  return row && toLevel(row);
}

export async function updateSecurityLevel(
  trx: Kysely<Schema>,
  institutionId: string,
  levelId: string,
  version: number,
  values: SecurityLevelValues,
): Promise<number | undefined> {
  const row = await trx
    .updateTable('ward.security_levels')
    .set({
      min_length: values.minLength,
      history_count: values.historyCount,
      max_age_days: values.maxAgeDays,
      require_second_factor: values.requireSecondFactor,
      idle_timeout_minutes: values.idleTimeoutMinutes,
      absolute_timeout_minutes: values.absoluteTimeoutMinutes,
      composition_required: values.compositionRequired,
      version: sql<number>`version + 1`,
    })
    .where('institution_id', '=', institutionId)
    .where('id', '=', levelId)
    .where('version', '=', version)
    .returning('version')
    .executeTakeFirst();
  return row?.version;
}
