import { parseArgs } from 'node:util';
import { issuePasswordToken, passwordLink } from '../account/password-tokens.ts';
import type { WardConfig } from '../config/types.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { INSTITUTION_ROLES, isInstitutionRole } from '../identity/roles.ts';
import { describeVerification } from '../audit/report.ts';
import { verifyAuditTrail } from '../audit/verify.ts';
import { auditKeys } from '../services.ts';
import { loadTwoFactorKeyring } from '../twofactor/keys.ts';
import { rotateTwoFactorKey } from '../twofactor/rotate.ts';
import {
  addMembership,
  createInstitution,
  createUser,
  findInstitutionByName,
  findUserForSignIn,
  isTimeZone,
  normaliseUsername,
} from '../identity/store.ts';

export type Print = (line: string) => void;

/** A mistake in a command's arguments: printed as is, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const quietLog = {
  info: () => undefined,
  debug: () => undefined,
  warn: (m: string) => {
    process.stderr.write(`${m}\n`);
  },
  error: (m: string) => {
    process.stderr.write(`${m}\n`);
  },
};

async function withDatabase<T>(config: WardConfig, run: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(config, quietLog);
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}

function option(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function requiredOption(values: Record<string, unknown>, name: string, example: string): string {
  const v = option(values, name);
  if (v === undefined) throw new UsageError(`--${name} is required (for example --${name} ${example})`);
  return v;
}

/** `ward create-institution --name NAME --time-zone ZONE [--two-factor]` */
export async function createInstitutionCommand(
  config: WardConfig,
  args: readonly string[],
  print: Print,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { name: { type: 'string' }, 'time-zone': { type: 'string' }, 'two-factor': { type: 'boolean' } },
    strict: true,
  });
  const name = requiredOption(values, 'name', '"Hospital Central"');
  const timeZone = requiredOption(values, 'time-zone', 'America/Argentina/Buenos_Aires');
  if (!isTimeZone(timeZone))
    throw new UsageError(`--time-zone "${timeZone}" is not an IANA time zone such as Europe/Madrid`);
  return withDatabase(config, async ({ db }) => {
    if (await findInstitutionByName(db, name))
      throw new UsageError(`an institution named "${name}" already exists`);
    const institution = await createInstitution(db, {
      name,
      timeZone,
      twoFactorEnabled: values['two-factor'] === true,
    });
    print(`created institution "${institution.name}" (${institution.id}), time zone ${institution.timeZone}`);
    print('security levels: Standard, High, Maximum');
    return 0;
  });
}

/**
 * `ward create-user --username U --display-name N [--email E] [--institution NAME --roles r1,r2
 * [--level Standard]]`: creates the user and prints a one-time link for them to choose their
 * password. Nobody else ever chooses or sees it.
 */
export async function createUserCommand(
  config: WardConfig,
  args: readonly string[],
  print: Print,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      username: { type: 'string' },
      'display-name': { type: 'string' },
      email: { type: 'string' },
      institution: { type: 'string' },
      roles: { type: 'string' },
      level: { type: 'string' },
    },
    strict: true,
  });
  const username = normaliseUsername(requiredOption(values, 'username', 'jdoe'));
  if (!/^[a-z0-9][a-z0-9._-]{1,62}$/.test(username)) {
    throw new UsageError('--username must be 2 to 63 characters: letters, digits, dot, dash or underscore');
  }
  const displayName = requiredOption(values, 'display-name', '"Dr. Jane Doe"');
  const institutionName = option(values, 'institution');
  const roles = (option(values, 'roles') ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (institutionName !== undefined && roles.length === 0) {
    throw new UsageError(`--roles is required with --institution (any of ${INSTITUTION_ROLES.join(', ')})`);
  }
  const unknown = roles.filter((r) => !isInstitutionRole(r));
  if (unknown.length > 0)
    throw new UsageError(`unknown role ${unknown.join(', ')}: use ${INSTITUTION_ROLES.join(', ')}`);
  return withDatabase(config, async ({ db }) => {
    if (await findUserForSignIn(db, username)) throw new UsageError(`the username "${username}" is taken`);
    const institution =
      institutionName === undefined ? undefined : await findInstitutionByName(db, institutionName);
    if (institutionName !== undefined && !institution)
      throw new UsageError(`no institution is named "${institutionName}"`);
    const user = await db.transaction().execute(async (trx) => {
      const created = await createUser(trx, { username, displayName, email: option(values, 'email') });
      if (institution) {
        await addMembership(trx, {
          institutionId: institution.id,
          userId: created.id,
          roles: roles.filter(isInstitutionRole),
          levelName: option(values, 'level') ?? 'Standard',
        });
      }
      return created;
    });
    const token = await issuePasswordToken(db, user.id, 'set');
    print(
      `created user "${user.username}"${institution ? ` in "${institution.name}" as ${roles.join(', ')}` : ''}`,
    );
    print(`one-time link to choose a password (valid 24 hours, give it to the user only):`);
    print(`  ${passwordLink(config.server.publicUrl, token)}`);
    return 0;
  });
}

/** `ward reset-password --username U`: prints a one-time reset link; every session of the user ends when it is used. */
export async function resetPasswordCommand(
  config: WardConfig,
  args: readonly string[],
  print: Print,
): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { username: { type: 'string' } }, strict: true });
  const username = requiredOption(values, 'username', 'jdoe');
  return withDatabase(config, async ({ db }) => {
    const user = await findUserForSignIn(db, username);
    if (!user) throw new UsageError(`no user is named "${normaliseUsername(username)}"`);
    const token = await issuePasswordToken(db, user.id, 'reset');
    print(`one-time link to reset the password of "${user.username}" (valid 24 hours):`);
    print(`  ${passwordLink(config.server.publicUrl, token)}`);
    return 0;
  });
}

/** `ward rotate-2fa-key`: re-encrypts two-factor secrets from auth.2fa.password.previous to auth.2fa.password. */
export async function rotateTwoFactorKeyCommand(config: WardConfig, print: Print): Promise<number> {
  return withDatabase(config, async ({ db }) => {
    const keyring = await loadTwoFactorKeyring(db, config);
    if (!keyring.previous) {
      throw new UsageError(
        'set auth.2fa.password.previous to the old value and auth.2fa.password to the new one (on every node), then run this again',
      );
    }
    const { reencrypted } = await rotateTwoFactorKey(db, keyring, (done) => {
      print(`re-encrypted ${done} secrets so far`);
    });
    print(
      `done: ${reencrypted} two-factor secrets re-encrypted; the deployment's key is now auth.2fa.password.`,
    );
    print('You may now remove auth.2fa.password.previous from every node.');
    return 0;
  });
}

/** `ward audit-verify`: checks the whole audit chain; exit 1 at the first changed, deleted or forged row. */
export async function auditVerifyCommand(config: WardConfig, print: Print): Promise<number> {
  return withDatabase(config, async ({ pool }) => {
    const report = await verifyAuditTrail(pool, auditKeys(config));
    for (const line of describeVerification(report)) print(line);
    return report.firstProblem ? 1 : 0;
  });
}
