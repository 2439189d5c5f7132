import { verifyPassword } from '../auth/passwords/index.ts';
import { ADMIN_USERNAME, adminPasswordProblems } from '../identity/bootstrap-admin.ts';
import { fail, pass, warn, type Check, type CheckResult, type DoctorContext } from './check.ts';
import { CHECKLIST } from './checklist.ts';

/** Passwords an attacker tries first on an `admin` account: the guide's own defaults and the usual ones. */
export const DEFAULT_ADMIN_PASSWORDS: readonly string[] = [
  'admin',
  'password',
  'admin123',
  'changeme',
  '12345678',
  'encriptar',
  'ward',
];

const CHANGE_IN_WARD =
  'sign in as admin and change its password to a long, unique one; editing admin.password has no effect after the first start';

const REMOVE_FROM_FILE =
  'remove admin.password from the properties file: Ward reads it on the first start only';

async function judgeAdminPassword({ config, database }: DoctorContext): Promise<CheckResult> {
  const { db } = await database();
  const admin = await db
    .selectFrom('ward.users')
    .select('password_hash')
    .where('username', '=', ADMIN_USERNAME)
    .executeTakeFirst();
  const fileProblems = adminPasswordProblems(config.adminPassword);

  if (admin === undefined) {
    if (config.mode === 'production' && fileProblems.length > 0) {
      return fail(
        `there is no admin account yet, and the first start will refuse this admin.password: ${fileProblems.join('; ')}`,
        'set admin.password to a long, unique password (15 characters or more) before the first start',
      );
    }
    return warn(
      'there is no admin account yet: Ward creates it on its first start',
      config.mode === 'production'
        ? 'start Ward once, sign in as admin, then run doctor again'
        : 'start Ward once (in development it prints a generated password), then run doctor again',
    );
  }
  if (admin.password_hash === null)
    return pass('the admin account has no password: it cannot sign in with one');

  const weakFromFile = config.adminPassword !== undefined && fileProblems.length > 0;
  const candidates = weakFromFile
    ? [...DEFAULT_ADMIN_PASSWORDS, config.adminPassword]
    : DEFAULT_ADMIN_PASSWORDS;
  for (const candidate of candidates) {
    if (await verifyPassword(admin.password_hash, candidate)) {
      const which =
        candidate === config.adminPassword
          ? 'the weak admin.password of the properties file'
          : 'a well-known default password';
      return fail(`the admin account still accepts ${which}`, CHANGE_IN_WARD);
    }
  }
  if (weakFromFile) {
    return warn(
      'the admin password is not a default, but admin.password in the properties file is weak',
      REMOVE_FROM_FILE,
    );
  }
  if (
    config.adminPassword !== undefined &&
    (await verifyPassword(admin.password_hash, config.adminPassword))
  ) {
    return warn(
      "the properties file holds the admin's current password in plain text",
      `${REMOVE_FROM_FILE}, or sign in as admin and change the password`,
    );
  }
  return pass(
    `the admin account accepts none of ${DEFAULT_ADMIN_PASSWORDS.length} well-known default passwords`,
  );
}

export const adminPasswordCheck: Check = {
  id: 'admin-password',
  title: CHECKLIST.adminPassword,
  run: judgeAdminPassword,
};
