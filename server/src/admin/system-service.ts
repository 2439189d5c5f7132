import type { Kysely } from 'kysely';
import { issuePasswordToken, passwordLink } from '../account/password-tokens.ts';
import type { AuditLog } from '../audit/log.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { InstitutionRole } from '../identity/roles.ts';
import {
  addMembership,
  createInstitution,
  createUser,
  findUserForSignIn,
  isTimeZone,
  normaliseUsername,
  type Institution,
} from '../identity/store.ts';
import type { Actor } from './actor.ts';
import { institutionNameTaken } from './settings-store.ts';
import { USERNAME_PATTERN } from './staff-service.ts';
import { removeEmptyInstitution } from './system-store.ts';

export interface NewInstitution {
  readonly name: string;
  readonly timeZone: string;
  readonly twoFactorEnabled?: boolean | undefined;
  readonly firstAdmin: {
    readonly username: string;
    readonly displayName: string;
    readonly email?: string | undefined;
  };
}

export interface CreatedInstitution {
  readonly institution: Institution;
  readonly firstAdmin: { readonly id: string; readonly username: string };
  readonly setPasswordLink: string;
}

/** The first administrator's role and level: they hold the keys to everyone else's access. */
const FIRST_ADMIN_ROLES: readonly InstitutionRole[] = ['institution_admin'];
const FIRST_ADMIN_LEVEL = 'High';

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/**
 * Creates an institution together with its first administrator, who gets a one-time link to choose
 * their own password. The system administrator never learns it.
 */
export async function createInstitutionWithAdministrator(
  deps: { readonly db: Kysely<Schema>; readonly audit: AuditLog; readonly publicUrl: string },
  actor: Actor,
  input: NewInstitution,
): Promise<CreatedInstitution> {
  const { db, audit } = deps;
  const name = input.name.trim();
  if (name === '') throw new ApiError('validation_failed', 'The institution needs a name.');
  if (!isTimeZone(input.timeZone)) {
    throw new ApiError(
      'validation_failed',
      `"${input.timeZone}" is not an IANA time zone such as Europe/Madrid or America/Bogota.`,
    );
  }
  const username = normaliseUsername(input.firstAdmin.username);
  if (!USERNAME_PATTERN.test(username)) {
    throw new ApiError(
      'validation_failed',
      'A username is 2 to 63 characters: letters, digits, dot, dash or underscore.',
    );
  }
  const displayName = input.firstAdmin.displayName.trim();
  if (displayName === '') throw new ApiError('validation_failed', 'The administrator needs a display name.');
  const email = input.firstAdmin.email?.trim() === '' ? undefined : input.firstAdmin.email?.trim();
  if (await institutionNameTaken(db, name)) {
    throw new ApiError('conflict', `An institution named "${name}" already exists.`, {
      details: { reason: 'name_taken' },
    });
  }
  const usernameTaken = new ApiError(
    'conflict',
    `The username "${username}" is already in use; choose another.`,
    {
      details: { reason: 'username_taken' },
    },
  );
  if (await findUserForSignIn(db, username)) throw usernameTaken;

  const institution = await createInstitution(db, {
    name,
    timeZone: input.timeZone,
    twoFactorEnabled: input.twoFactorEnabled ?? false,
  });
  let adminId: string;
  try {
    adminId = await db.transaction().execute(async (trx) => {
      const user = await createUser(trx, { username, displayName, email });
      await addMembership(trx, {
        institutionId: institution.id,
        userId: user.id,
        roles: FIRST_ADMIN_ROLES,
        levelName: FIRST_ADMIN_LEVEL,
      });
      await audit.record(
        {
          ...actor,
          action: 'institution.create',
          outcome: 'success',
          institutionId: institution.id,
          targetType: 'institution',
          targetId: institution.id,
          details: {
            after: { name, timeZone: institution.timeZone, twoFactorEnabled: institution.twoFactorEnabled },
          },
        },
        trx,
      );
      await audit.record(
        {
          ...actor,
          action: 'admin.user.create',
          outcome: 'success',
          institutionId: institution.id,
          targetType: 'user',
          targetId: user.id,
          details: {
            after: {
              username,
              displayName,
              email: email ?? null,
              roles: FIRST_ADMIN_ROLES,
              level: FIRST_ADMIN_LEVEL,
            },
          },
        },
        trx,
      );
      return user.id;
    });
  } catch (error) {
    await removeEmptyInstitution(db, institution.id);
    if (isUniqueViolation(error)) throw usernameTaken;
    throw error;
  }
  const token = await issuePasswordToken(db, adminId, 'set');
  return {
    institution,
    firstAdmin: { id: adminId, username },
    setPasswordLink: passwordLink(deps.publicUrl, token),
  };
}
