import { sql, type Kysely } from 'kysely';
import { runPrepared } from '../../db/prepared.ts';
import type { Schema } from '../../db/schema.ts';
import {
  membershipsJson,
  normaliseUsername,
  toUser,
  USER_COLUMNS,
  type Membership,
  type UserForSignIn,
} from '../../identity/store.ts';

/** All a password sign-in needs to know about the person, read in one statement. */
export interface SignInProfile {
  readonly user: UserForSignIn;
  readonly memberships: readonly Membership[];
  readonly twoFactorEnabledAt: Date | null;
  /** An administrator reset their two-factor and they have not been told yet. */
  readonly twoFactorResetUnnoticed: boolean;
}

export async function findSignInProfile(
  db: Kysely<Schema>,
  username: string,
): Promise<SignInProfile | undefined> {
  const query = db
    .selectFrom('ward.users as u')
    .select(USER_COLUMNS)
    .select((eb) => [
      membershipsJson(sql<string>`u.id`).as('memberships'),
      eb
        .selectFrom('ward.two_factor as t')
        .select('t.enabled_at')
        .whereRef('t.user_id', '=', 'u.id')
        .as('two_factor_enabled_at'),
      sql<boolean>`EXISTS (SELECT 1 FROM ward.two_factor t
                            WHERE t.user_id = u.id AND t.reset_at IS NOT NULL AND t.reset_noticed_at IS NULL)`.as(
        'two_factor_reset_unnoticed',
      ),
    ])
    .where('u.username', '=', normaliseUsername(username));
  const [row] = (await runPrepared(db, query)).rows;
  return (
    row && {
      user: toUser(row),
      memberships: row.memberships,
      twoFactorEnabledAt: row.two_factor_enabled_at,
      twoFactorResetUnnoticed: row.two_factor_reset_unnoticed,
    }
  );
}

/**
 * The id of the user `username` names, or undefined. A locked account's refusals are recorded
 * under it, so its owner and their institutions see them; one index lookup, made for names nobody
 * has too, so that it tells nothing by its time.
 */
export async function findUserIdByUsername(
  db: Kysely<Schema>,
  username: string,
): Promise<string | undefined> {
  const query = db.selectFrom('ward.users').select('id').where('username', '=', normaliseUsername(username));
  const [row] = (await runPrepared(db, query)).rows;
  return row?.id;
}
