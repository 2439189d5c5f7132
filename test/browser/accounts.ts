// Accounts for browser tests, written straight into a test Ward's database the way an administrator's
// tools will: an institution, a user with a membership, a password or a set-password link.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { issuePasswordToken } from '../../server/src/account/password-tokens.ts';
import { hashPassword } from '../../server/src/auth/passwords/index.ts';
import type { Schema } from '../../server/src/db/schema.ts';
import type { InstitutionRole } from '../../server/src/identity/roles.ts';
import { addMembership, createInstitution, createUser } from '../../server/src/identity/store.ts';

export type TestDb = Kysely<Schema>;

export function openTestDb(url: string): TestDb {
  return new Kysely<Schema>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
  });
}

export interface SeededUser {
  id: string;
  username: string;
  displayName: string;
}

export interface SeedOptions {
  username: string;
  displayName: string;
  /** Set as the current password; without it the account has none until a link is used. */
  password?: string;
  /** The user must change the password at the next sign-in. */
  mustChangePassword?: boolean;
  membership?: { institutionId: string; roles: readonly InstitutionRole[]; levelName: string };
}

export async function seedInstitution(db: TestDb, name: string): Promise<string> {
  return (await createInstitution(db, { name, timeZone: 'America/Argentina/Buenos_Aires' })).id;
}

export async function seedUser(db: TestDb, options: SeedOptions): Promise<SeededUser> {
  const { id, username } = await createUser(db, {
    username: options.username,
    displayName: options.displayName,
  });
  if (options.password !== undefined) {
    await db
      .updateTable('ward.users')
      .set({
        password_hash: await hashPassword(options.password),
        password_changed_at: new Date(),
        must_change_password: options.mustChangePassword ?? false,
      })
      .where('id', '=', id)
      .execute();
  }
  if (options.membership) await addMembership(db, { ...options.membership, userId: id });
  return { id, username, displayName: options.displayName };
}

/** The path of a set-password link for the user, token in the fragment as the server's links have it. */
export async function setPasswordLink(db: TestDb, userId: string): Promise<string> {
  return `/set-password#token=${await issuePasswordToken(db, userId, 'set')}`;
}
