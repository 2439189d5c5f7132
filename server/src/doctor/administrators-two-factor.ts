import { sql } from 'kysely';
import { pass, warn, type Check } from './check.ts';
import { CHECKLIST } from './checklist.ts';

/**
 * Administrators hold the keys to everyone else's access: their accounts should need a second
 * factor. Warns about system administrators without one enrolled and institution administrators
 * whose security level does not require one.
 */
export const administratorsTwoFactorCheck: Check = {
  id: 'administrators-two-factor',
  title: CHECKLIST.twoFactor,
  // With the feature off, the two-factor check already says so.
  appliesTo: (config) => config.twoFactor.featureEnabled,
  run: async ({ database }) => {
    const { db } = await database();
    const systemAdmins = await db
      .selectFrom('ward.users as u')
      .leftJoin('ward.two_factor as t', 't.user_id', 'u.id')
      .select('u.username')
      .where('u.is_system_admin', '=', true)
      .where('u.disabled_at', 'is', null)
      .where('t.enabled_at', 'is', null)
      .execute();
    const institutionAdmins = await db
      .selectFrom('ward.memberships as m')
      .innerJoin('ward.users as u', 'u.id', 'm.user_id')
      .innerJoin('ward.security_levels as l', (j) =>
        j.onRef('l.institution_id', '=', 'm.institution_id').onRef('l.id', '=', 'm.security_level_id'),
      )
      .select('u.username')
      .where(sql<boolean>`'institution_admin' = ANY(m.roles)`)
      .where('m.disabled_at', 'is', null)
      .where('l.require_second_factor', '=', false)
      .execute();
    const problems = [
      ...systemAdmins.map((r) => `${r.username} (system administrator, not enrolled)`),
      ...institutionAdmins.map((r) => `${r.username} (institution administrator, level does not require it)`),
    ];
    if (problems.length > 0) {
      return warn(
        `administrators who can sign in with a password alone: ${problems.slice(0, 10).join(', ')}${problems.length > 10 ? ', …' : ''}`,
        'give institution administrators the High or Maximum security level, and enrol system administrators in two-factor from their profile',
      );
    }
    return pass('every administrator needs a second factor');
  },
};
