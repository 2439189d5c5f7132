// Test support: people who can sign in, made straight in the database the way an administrator's
// tools would, and a query handle with the owner's rights for arranging what a test needs (moving
// timestamps stands in for moving the clock).
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { hashPassword } from '../src/auth/passwords/index.ts';
import type { Schema } from '../src/db/schema.ts';
import type { InstitutionRole } from '../src/identity/roles.ts';
import { addMembership, createInstitution, createUser } from '../src/identity/store.ts';

/** A Kysely handle for a test database, connected as its owner; destroy it when done. */
export function ownerDb(connectionString: string): Kysely<Schema> {
  return new Kysely<Schema>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 3 }) }),
  });
}

/** A username no other test uses, so tests can share one server (and one Redis) without clashing. */
export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}.${randomBytes(5).toString('hex')}`;
}

/** A password that passes Ward's policy (long, not common, no context words). */
export function strongPassword(): string {
  return `Quiet lantern ${randomBytes(6).toString('hex')} meadow`;
}

export interface TestUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly institutionId: string | undefined;
}

export interface TestUserInput {
  readonly username?: string;
  readonly password?: string;
  readonly displayName?: string;
  /** An existing institution's id, or `true` for a new institution of its own. */
  readonly institution?: string | true;
  /** Security level name in that institution (default `Standard`). */
  readonly level?: string;
  readonly roles?: readonly InstitutionRole[];
}

/**
 * A user with a password set now; with `institution`, also a member of it at `level`. Without an
 * institution the user has no membership (the system level applies, as for the built-in admin).
 */
export async function createTestUser(db: Kysely<Schema>, input: TestUserInput = {}): Promise<TestUser> {
  const password = input.password ?? strongPassword();
  const user = await createUser(db, {
    username: input.username ?? uniqueUsername(),
    displayName: input.displayName ?? 'Test Person',
  });
  await db
    .updateTable('ward.users')
    .set({ password_hash: await hashPassword(password), password_changed_at: sql<Date>`now()` })
    .where('id', '=', user.id)
    .execute();
  let institutionId: string | undefined;
  if (input.institution !== undefined) {
    institutionId =
      input.institution === true
        ? (await createInstitution(db, { name: `Clinic ${randomBytes(4).toString('hex')}`, timeZone: 'UTC' }))
            .id
        : input.institution;
    await addMembership(db, {
      institutionId,
      userId: user.id,
      roles: input.roles ?? ['doctor'],
      levelName: input.level ?? 'Standard',
    });
  }
  return { id: user.id, username: user.username, password, institutionId };
}
