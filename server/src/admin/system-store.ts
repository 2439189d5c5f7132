import { sql, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.ts';

export interface InstitutionSummary {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly twoFactorEnabled: boolean;
  readonly createdAt: Date;
  /** Members whose membership and account are enabled. */
  readonly activeStaff: number;
  readonly activeAdministrators: number;
}

/** Every institution of the deployment, by name, with how many people can work in it. */
export async function listInstitutions(db: Kysely<Schema>): Promise<InstitutionSummary[]> {
  const rows = await db
    .selectFrom('ward.institutions as i')
    .leftJoin('ward.memberships as m', (join) =>
      join.onRef('m.institution_id', '=', 'i.id').on('m.disabled_at', 'is', null),
    )
    .leftJoin('ward.users as u', (join) =>
      join.onRef('u.id', '=', 'm.user_id').on('u.disabled_at', 'is', null),
    )
    .select([
      'i.id',
      'i.name',
      'i.time_zone',
      'i.two_factor_enabled',
      'i.created_at',
      sql<string>`count(u.id)`.as('active_staff'),
      sql<string>`count(u.id) FILTER (WHERE 'institution_admin' = ANY (m.roles))`.as('active_admins'),
    ])
    .groupBy(['i.id', 'i.name', 'i.time_zone', 'i.two_factor_enabled', 'i.created_at'])
    .orderBy('i.name')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    timeZone: r.time_zone,
    twoFactorEnabled: r.two_factor_enabled,
    createdAt: r.created_at,
    activeStaff: Number(r.active_staff),
    activeAdministrators: Number(r.active_admins),
  }));
}

/**
 * Undoes an institution created a moment ago whose first administrator could not be added, so a
 * retry does not meet a namesake with no one to run it. Only removes an institution with no members.
 */
export async function removeEmptyInstitution(db: Kysely<Schema>, institutionId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const member = await trx
      .selectFrom('ward.memberships')
      .select('user_id')
      .where('institution_id', '=', institutionId)
      .executeTakeFirst();
    if (member) return;
    await trx.deleteFrom('ward.security_levels').where('institution_id', '=', institutionId).execute();
    await trx.deleteFrom('ward.institutions').where('id', '=', institutionId).execute();
  });
}
