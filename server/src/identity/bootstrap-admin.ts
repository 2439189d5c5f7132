import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import {
  checkPassword,
  hashPassword,
  MIN_LENGTH_WITHOUT_SECOND_FACTOR,
  NIST_DEFAULT_RULES,
} from '../auth/passwords/index.ts';
import type { WardConfig } from '../config/types.ts';
import type { Database } from '../db/database.ts';

export const ADMIN_USERNAME = 'admin';

export type AdminBootstrap =
  { readonly created: false } | { readonly created: true; readonly generatedPassword: string | undefined };

/** Thrown when the first start of a production deployment has no acceptable admin password. */
export class AdminPasswordError extends Error {
  override readonly name = 'AdminPasswordError';
}

/** Why `admin.password` is unfit for the built-in administrator, or an empty list. */
export function adminPasswordProblems(password: string | undefined): string[] {
  if (password === undefined) return ['admin.password is not set'];
  const verdict = checkPassword(
    password,
    { ...NIST_DEFAULT_RULES, minLength: MIN_LENGTH_WITHOUT_SECOND_FACTOR },
    { username: ADMIN_USERNAME },
  );
  return verdict.ok ? [] : verdict.reasons.map((r) => `admin.password: ${r.message}`);
}

/**
 * Creates the built-in system administrator on the first start only. Later starts leave its
 * password alone, whatever the properties file says: the file is a bootstrap, not a reset switch.
 * Development without `admin.password` gets a random password, returned to be shown once.
 */
export async function bootstrapAdmin(database: Database, config: WardConfig): Promise<AdminBootstrap> {
  const existing = await database.db
    .selectFrom('ward.users')
    .select('id')
    .where('username', '=', ADMIN_USERNAME)
    .executeTakeFirst();
  if (existing) return { created: false };

  let password = config.adminPassword;
  let generatedPassword: string | undefined;
  if (config.mode === 'production') {
    const problems = adminPasswordProblems(password);
    if (problems.length > 0) {
      throw new AdminPasswordError(
        `first start in production needs a strong admin.password (at least ${MIN_LENGTH_WITHOUT_SECOND_FACTOR} characters, not a common password): ${problems.join('; ')}`,
      );
    }
  } else if (password === undefined) {
    generatedPassword = randomBytes(18).toString('base64url');
    password = generatedPassword;
  }
  const result = await database.db
    .insertInto('ward.users')
    .values({
      id: uuidv7(),
      username: ADMIN_USERNAME,
      display_name: 'System administrator',
      password_hash: await hashPassword(password ?? ''),
      is_system_admin: true,
      password_changed_at: new Date(),
    })
    .onConflict((oc) => oc.column('username').doNothing())
    .executeTakeFirst();
  // Another node created it first: that one's password stands.
  if (result.numInsertedOrUpdatedRows === 0n) return { created: false };
  return { created: true, generatedPassword };
}
