import { sql, type Kysely, type RawBuilder } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Schema } from '../db/schema.ts';
import type { InstitutionRole } from './roles.ts';
import { DEFAULT_SECURITY_LEVELS, type SecurityLevel } from './security-levels.ts';

export interface Institution {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly twoFactorEnabled: boolean;
}

export interface UserForSignIn {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly passwordHash: string | null;
  readonly isSystemAdmin: boolean;
  readonly disabled: boolean;
  readonly passwordChangedAt: Date | null;
  readonly mustChangePassword: boolean;
}

export interface Membership {
  readonly institutionId: string;
  readonly institutionName: string;
  readonly timeZone: string;
  readonly twoFactorEnabled: boolean;
  readonly roles: readonly InstitutionRole[];
  readonly level: SecurityLevel;
  /** The membership's access hours as stored (see access/hours.ts). */
  readonly accessHours: unknown;
}

export function isTimeZone(value: string): boolean {
  // An IANA name (Area/Location, or UTC and the like). Any name the time-zone database knows is
  // accepted, links included: Intl.supportedValuesOf lists only ICU's canonical spellings, which
  // leaves out names in daily use such as America/Argentina/Buenos_Aires or Asia/Kolkata.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Usernames are compared in one form: trimmed, lower case, NFKC. */
export function normaliseUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

/** Creates an institution with the three default security levels, in one transaction. */
export async function createInstitution(
  db: Kysely<Schema>,
  input: { name: string; timeZone: string; twoFactorEnabled?: boolean },
): Promise<Institution> {
  return db.transaction().execute(async (trx) => {
    const id = uuidv7();
    await trx
      .insertInto('ward.institutions')
      .values({
        id,
        name: input.name,
        time_zone: input.timeZone,
        two_factor_enabled: input.twoFactorEnabled ?? false,
      })
      .execute();
    await trx
      .insertInto('ward.security_levels')
      .values(
        DEFAULT_SECURITY_LEVELS.map((level) => ({
          institution_id: id,
          id: uuidv7(),
          name: level.name,
          min_length: level.minLength,
          history_count: level.historyCount,
          max_age_days: level.maxAgeDays,
          require_second_factor: level.requireSecondFactor,
          idle_timeout_minutes: level.idleTimeoutMinutes,
          absolute_timeout_minutes: level.absoluteTimeoutMinutes,
          composition_required: level.compositionRequired,
        })),
      )
      .execute();
    return {
      id,
      name: input.name,
      timeZone: input.timeZone,
      twoFactorEnabled: input.twoFactorEnabled ?? false,
    };
  });
}

export async function findInstitutionByName(
  db: Kysely<Schema>,
  name: string,
): Promise<Institution | undefined> {
  const row = await db
    .selectFrom('ward.institutions')
    .select(['id', 'name', 'time_zone', 'two_factor_enabled'])
    .where('name', '=', name)
    .executeTakeFirst();
  return (
    row && { id: row.id, name: row.name, timeZone: row.time_zone, twoFactorEnabled: row.two_factor_enabled }
  );
}

export async function createUser(
  db: Kysely<Schema>,
  input: { username: string; displayName: string; email?: string | undefined },
): Promise<{ id: string; username: string }> {
  const id = uuidv7();
  const username = normaliseUsername(input.username);
  await db
    .insertInto('ward.users')
    .values({ id, username, display_name: input.displayName, email: input.email ?? null })
    .execute();
  return { id, username };
}

export async function addMembership(
  db: Kysely<Schema>,
  input: { institutionId: string; userId: string; roles: readonly InstitutionRole[]; levelName: string },
): Promise<void> {
  const level = await db
    .selectFrom('ward.security_levels')
    .select('id')
    .where('institution_id', '=', input.institutionId)
    .where('name', '=', input.levelName)
    .executeTakeFirst();
  if (!level) throw new Error(`security level "${input.levelName}" does not exist in this institution`);
  await db
    .insertInto('ward.memberships')
    .values({
      institution_id: input.institutionId,
      user_id: input.userId,
      roles: [...input.roles],
      security_level_id: level.id,
    })
    .execute();
}

/** The columns of ward.users that make a UserForSignIn (see toUser). */
export const USER_COLUMNS = [
  'id',
  'username',
  'display_name',
  'email',
  'password_hash',
  'is_system_admin',
  'disabled_at',
  'password_changed_at',
  'must_change_password',
] as const;

export async function findUserForSignIn(
  db: Kysely<Schema>,
  username: string,
): Promise<UserForSignIn | undefined> {
  const row = await db
    .selectFrom('ward.users')
    .select(USER_COLUMNS)
    .where('username', '=', normaliseUsername(username))
    .executeTakeFirst();
  return row && toUser(row);
}

export async function findUserById(db: Kysely<Schema>, id: string): Promise<UserForSignIn | undefined> {
  const row = await db.selectFrom('ward.users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

export function toUser(row: {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string | null;
  is_system_admin: boolean;
  disabled_at: Date | null;
  password_changed_at: Date | null;
  must_change_password: boolean;
}): UserForSignIn {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    passwordHash: row.password_hash,
    isSystemAdmin: row.is_system_admin,
    disabled: row.disabled_at !== null,
    passwordChangedAt: row.password_changed_at,
    mustChangePassword: row.must_change_password,
  };
}

/**
 * The active memberships of a user as a JSON array of Membership, ordered by institution name, as
 * a column of any statement that knows the user's id.
 */
export function membershipsJson(userId: string | RawBuilder<string>): RawBuilder<Membership[]> {
  return sql<Membership[]>`(
    SELECT coalesce(json_agg(json_build_object(
             'institutionId', m.institution_id, 'institutionName', i.name, 'timeZone', i.time_zone,
             'twoFactorEnabled', i.two_factor_enabled, 'roles', m.roles, 'accessHours', m.access_hours,
             'level', json_build_object(
               'name', l.name, 'minLength', l.min_length, 'historyCount', l.history_count,
               'maxAgeDays', l.max_age_days, 'requireSecondFactor', l.require_second_factor,
               'idleTimeoutMinutes', l.idle_timeout_minutes,
               'absoluteTimeoutMinutes', l.absolute_timeout_minutes,
               'compositionRequired', l.composition_required))
             ORDER BY i.name), '[]'::json)
      FROM ward.memberships m
      JOIN ward.institutions i ON i.id = m.institution_id
      JOIN ward.security_levels l ON l.institution_id = m.institution_id AND l.id = m.security_level_id
     WHERE m.user_id = ${userId} AND m.disabled_at IS NULL)`;
}

/** The user's active memberships, each with its institution and security level. */
export async function membershipsOf(db: Kysely<Schema>, userId: string): Promise<Membership[]> {
  const row = await db.selectNoFrom(membershipsJson(userId).as('memberships')).executeTakeFirstOrThrow();
  return row.memberships;
}
