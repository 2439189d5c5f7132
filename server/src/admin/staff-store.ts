import { sql, type Kysely } from 'kysely';
import type { AccessHours } from '../access/hours.ts';
import type { Schema } from '../db/schema.ts';
import type { InstitutionRole } from '../identity/roles.ts';

/** A member of an institution's staff as its administrators see them. */
export interface StaffMember {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly isSystemAdmin: boolean;
  readonly roles: readonly InstitutionRole[];
  readonly securityLevel: { readonly id: string; readonly name: string };
  /** This membership is disabled, or the whole account is. */
  readonly disabled: boolean;
  readonly membershipDisabled: boolean;
  readonly accountDisabled: boolean;
  readonly exportPermission: {
    readonly granted: boolean;
    readonly note: string | null;
    readonly changedAt: Date | null;
  };
  readonly accessHours: AccessHours;
  readonly twoFactorEnabled: boolean;
  readonly lastSignInAt: Date | null;
  /** The membership's version, for optimistic concurrency. */
  readonly version: number;
}

export interface StaffSearch {
  /** Part of a username, display name or e-mail address. */
  readonly q?: string | undefined;
  /** The username the previous page ended with. */
  readonly after?: string | undefined;
  readonly limit: number;
}

/** `%` and `_` typed by a person are text, not wildcards. */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function staffQuery(db: Kysely<Schema>, institutionId: string) {
  return db
    .selectFrom('ward.memberships as m')
    .innerJoin('ward.users as u', 'u.id', 'm.user_id')
    .innerJoin('ward.security_levels as l', (join) =>
      join.onRef('l.institution_id', '=', 'm.institution_id').onRef('l.id', '=', 'm.security_level_id'),
    )
    .leftJoin('ward.two_factor as t', 't.user_id', 'u.id')
    .select([
      'u.id',
      'u.username',
      'u.display_name',
      'u.email',
      'u.is_system_admin',
      'u.disabled_at as account_disabled_at',
      'm.roles',
      'm.disabled_at as membership_disabled_at',
      'm.access_hours',
      'm.export_permission',
      'm.export_permission_note',
      'm.export_permission_changed_at',
      'm.version',
      'l.id as level_id',
      'l.name as level_name',
      't.enabled_at as two_factor_enabled_at',
      sql<Date | null>`(SELECT max(a.at) FROM ward.sign_in_attempts a WHERE a.user_id = u.id AND a.outcome = 'success')`.as(
        'last_sign_in_at',
      ),
    ])
    .where('m.institution_id', '=', institutionId);
}

type StaffRow = Awaited<ReturnType<ReturnType<typeof staffQuery>['executeTakeFirstOrThrow']>>;

function toStaffMember(row: StaffRow): StaffMember {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    isSystemAdmin: row.is_system_admin,
    roles: row.roles as InstitutionRole[],
    securityLevel: { id: row.level_id, name: row.level_name },
    disabled: row.membership_disabled_at !== null || row.account_disabled_at !== null,
    membershipDisabled: row.membership_disabled_at !== null,
    accountDisabled: row.account_disabled_at !== null,
    exportPermission: {
      granted: row.export_permission,
      note: row.export_permission_note,
      changedAt: row.export_permission_changed_at,
    },
    accessHours: row.access_hours as AccessHours,
    twoFactorEnabled: row.two_factor_enabled_at !== null,
    lastSignInAt: row.last_sign_in_at === null ? null : new Date(row.last_sign_in_at),
    version: row.version,
  };
}

/** The institution's staff, disabled members included, by username. */
export async function searchStaff(
  db: Kysely<Schema>,
  institutionId: string,
  search: StaffSearch,
): Promise<StaffMember[]> {
  let query = staffQuery(db, institutionId);
  if (search.q !== undefined) {
    const pattern = containing(search.q.trim());
    query = query.where((eb) =>
      eb.or([
        eb('u.username', 'ilike', pattern),
        eb('u.display_name', 'ilike', pattern),
        eb('u.email', 'ilike', pattern),
      ]),
    );
  }
  if (search.after !== undefined) query = query.where('u.username', '>', search.after);
  const rows = await query.orderBy('u.username').limit(search.limit).execute();
  return rows.map(toStaffMember);
}

export async function findStaffMember(
  db: Kysely<Schema>,
  institutionId: string,
  userId: string,
): Promise<StaffMember | undefined> {
  const row = await staffQuery(db, institutionId).where('u.id', '=', userId).executeTakeFirst();
  return row && toStaffMember(row);
}

/**
 * Holds the institution's row until the transaction ends, so that changes to its staff happen one
 * after the other: two administrators demoting each other at once cannot both succeed and leave
 * the institution with none. (NO KEY UPDATE: inserts elsewhere that reference the institution are
 * not held up.)
 */
export async function lockInstitutionStaff(trx: Kysely<Schema>, institutionId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('ward.institutions')
    .select('id')
    .where('id', '=', institutionId)
    .forNoKeyUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

/** Members who can administer the institution right now: admin role, membership and account enabled. */
export async function activeAdministratorIds(trx: Kysely<Schema>, institutionId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('ward.memberships as m')
    .innerJoin('ward.users as u', 'u.id', 'm.user_id')
    .select('m.user_id')
    .where('m.institution_id', '=', institutionId)
    .where('m.disabled_at', 'is', null)
    .where('u.disabled_at', 'is', null)
    .where(sql<boolean>`'institution_admin' = ANY (m.roles)`)
    .execute();
  return rows.map((r) => r.user_id);
}

export async function findLevelByName(
  db: Kysely<Schema>,
  institutionId: string,
  name: string,
): Promise<{ id: string; name: string } | undefined> {
  return db
    .selectFrom('ward.security_levels')
    .select(['id', 'name'])
    .where('institution_id', '=', institutionId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export interface MembershipChange {
  readonly roles?: readonly InstitutionRole[];
  readonly securityLevelId?: string;
  readonly exportPermission?: {
    readonly granted: boolean;
    readonly note: string | null;
    readonly by: string;
  };
  readonly accessHours?: AccessHours;
}

/** Applies a change if the membership is still at `version`; returns the new version, or undefined. */
export async function updateMembership(
  trx: Kysely<Schema>,
  institutionId: string,
  userId: string,
  version: number,
  change: MembershipChange,
): Promise<number | undefined> {
  const row = await trx
    .updateTable('ward.memberships')
    .set({
      ...(change.roles ? { roles: [...change.roles] } : {}),
      ...(change.securityLevelId ? { security_level_id: change.securityLevelId } : {}),
      ...(change.exportPermission
        ? {
            export_permission: change.exportPermission.granted,
            export_permission_note: change.exportPermission.note,
            export_permission_changed_at: sql<Date>`now()`,
            export_permission_changed_by: change.exportPermission.by,
          }
        : {}),
      ...(change.accessHours ? { access_hours: JSON.stringify(change.accessHours) } : {}),
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('institution_id', '=', institutionId)
    .where('user_id', '=', userId)
    .where('version', '=', version)
    .returning('version')
    .executeTakeFirst();
  return row?.version;
}

export async function setMembershipDisabled(
  trx: Kysely<Schema>,
  institutionId: string,
  userId: string,
  disabled: boolean,
): Promise<void> {
  await trx
    .updateTable('ward.memberships')
    .set({
      disabled_at: disabled ? sql<Date>`now()` : null,
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('institution_id', '=', institutionId)
    .where('user_id', '=', userId)
    .execute();
}

export async function setAccountDisabled(
  trx: Kysely<Schema>,
  userId: string,
  disabled: boolean,
): Promise<void> {
  await trx
    .updateTable('ward.users')
    .set({ disabled_at: disabled ? sql<Date>`now()` : null, updated_at: sql<Date>`now()` })
    .where('id', '=', userId)
    .execute();
}

/** How many memberships the user has in institutions other than `institutionId`: live ones, or any. */
export async function membershipsElsewhere(
  db: Kysely<Schema>,
  userId: string,
  institutionId: string,
  which: 'active' | 'any',
): Promise<number> {
  let query = db
    .selectFrom('ward.memberships')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .where('institution_id', '<>', institutionId);
  if (which === 'active') query = query.where('disabled_at', 'is', null);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}
