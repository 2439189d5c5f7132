import type { Kysely } from 'kysely';
import { accessHoursProblems, type AccessHours } from '../access/hours.ts';
import {
  issuePasswordToken,
  passwordLink,
  PASSWORD_TOKEN_HOURS,
  voidPasswordTokens,
} from '../account/password-tokens.ts';
import { canonicalJson, type AuditLog } from '../audit/log.ts';
import type { SessionService } from '../auth/sessions/service.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import type { InstitutionRole } from '../identity/roles.ts';
import { addMembership, createUser, findUserForSignIn, normaliseUsername } from '../identity/store.ts';
import type { TwoFactorService } from '../twofactor/service.ts';
import type { Actor } from './actor.ts';
import {
  activeAdministratorIds,
  findLevelByName,
  findStaffMember,
  lockInstitutionStaff,
  membershipsElsewhere,
  setAccountDisabled,
  setMembershipDisabled,
  updateMembership,
  type MembershipChange,
  type StaffMember,
} from './staff-store.ts';

export interface StaffAdministrationDeps {
  readonly db: Kysely<Schema>;
  readonly audit: AuditLog;
  readonly sessions: SessionService;
  readonly twoFactor: TwoFactorService;
  /** Where people open Ward; set-password links start with it. */
  readonly publicUrl: string;
}

export interface NewStaffMember {
  readonly username: string;
  readonly displayName: string;
  readonly email?: string | undefined;
  readonly roles: readonly InstitutionRole[];
  /** Security level name. */
  readonly level: string;
}

export interface StaffChange {
  readonly version: number;
  readonly roles?: readonly InstitutionRole[] | undefined;
  readonly level?: string | undefined;
  readonly exportPermission?: { readonly granted: boolean; readonly note?: string | undefined } | undefined;
  readonly accessHours?: AccessHours | undefined;
}

/** Usernames as the command line accepts them: they appear in audit trails and must read plainly. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,62}$/;

function notFound(): ApiError {
  return new ApiError('not_found', 'No such person on the staff of this institution.');
}

function invalid(message: string): ApiError {
  return new ApiError('validation_failed', message);
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

function usernameTaken(username: string): ApiError {
  return new ApiError(
    'conflict',
    `This deployment already has an account named "${username}": choose another username.`,
    { details: { reason: 'username_taken' } },
  );
}

/** What an administrator sees of a membership's export permission in the trail. */
function exportView(member: StaffMember): { granted: boolean; note: string | null } {
  return { granted: member.exportPermission.granted, note: member.exportPermission.note };
}

// Compared as canonical JSON: the database hands jsonb back with its keys in an order of its own.
const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/**
 * The institution administrator's work on staff: creating people (who then choose their own
 * password through a one-time link), roles, security level, export permission, access hours,
 * disabling and enabling, and help with credentials. Every change is audited with what it was and
 * what it became, in the change's own transaction. An institution never loses its last
 * administrator, and no administrator can lock themselves out.
 */
export class StaffAdministration {
  readonly #deps: StaffAdministrationDeps;
  constructor(deps: StaffAdministrationDeps) {
    this.#deps = deps;
  }

  async create(
    actor: Actor,
    institutionId: string,
    input: NewStaffMember,
  ): Promise<{ member: StaffMember; setPasswordLink: string }> {
    const { db, audit } = this.#deps;
    const username = normaliseUsername(input.username);
    if (!USERNAME_PATTERN.test(username)) {
      throw invalid('A username is 2 to 63 characters: letters, digits, dot, dash or underscore.');
    }
    const displayName = input.displayName.trim();
    if (displayName === '') throw invalid('A display name is required.');
    const email = input.email?.trim() === '' ? undefined : input.email?.trim();
    const level = await findLevelByName(db, institutionId, input.level);
    if (!level) throw invalid(`This institution has no security level named "${input.level}".`);
    if (await findUserForSignIn(db, username)) throw usernameTaken(username);
    const roles = [...new Set(input.roles)];
    const userId = await db
      .transaction()
      .execute(async (trx) => {
        const user = await createUser(trx, { username, displayName, email });
        await addMembership(trx, { institutionId, userId: user.id, roles, levelName: level.name });
        await audit.record(
          {
            ...actor,
            action: 'admin.user.create',
            outcome: 'success',
            institutionId,
            targetType: 'user',
            targetId: user.id,
            details: { after: { username, displayName, email: email ?? null, roles, level: level.name } },
          },
          trx,
        );
        return user.id;
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) throw usernameTaken(username);
        throw error;
      });
    // Issued once the person exists; should this fail, a reset link from the same page does the job.
    const token = await issuePasswordToken(db, userId, 'set');
    const member = await findStaffMember(db, institutionId, userId);
    if (!member) throw new Error('staff member vanished after creation');
    return { member, setPasswordLink: passwordLink(this.#deps.publicUrl, token) };
  }

  async update(
    actor: Actor,
    institutionId: string,
    userId: string,
    input: StaffChange,
  ): Promise<StaffMember> {
    const { db, audit } = this.#deps;
    if (input.accessHours !== undefined) {
      const problems = accessHoursProblems(input.accessHours);
      if (problems.length > 0) {
        throw new ApiError('validation_failed', `Access hours: ${problems.join('; ')}.`, {
          details: { problems },
        });
      }
    }
    const note = input.exportPermission?.note?.trim() ?? '';
    if (input.exportPermission?.granted === true && note === '') {
      throw invalid(
        'Say why export is allowed (for example "anti-malware verified on 2026-11-20"): the note is kept with the permission.',
      );
    }
    return db.transaction().execute(async (trx) => {
      if (!(await lockInstitutionStaff(trx, institutionId))) throw notFound();
      const before = await findStaffMember(trx, institutionId, userId);
      if (!before) throw notFound();
      // Separation of duties: an administrator who could give themselves a clinical role, a laxer
      // security level, wider hours or the export permission could grant themselves what the
      // institution withholds from administrators. Another administrator (or a system
      // administrator) makes such a change, and the trail shows who.
      if (userId === actor.actorId) {
        throw new ApiError(
          'forbidden',
          'You cannot change your own roles, security level, access hours or export permission: ask another administrator.',
          { details: { reason: 'self' } },
        );
      }
      if (before.version !== input.version) {
        throw new ApiError(
          'version_conflict',
          'Someone else changed this person since you read it: reload and apply your change again.',
          { details: { currentVersion: before.version } },
        );
      }
      const change: { -readonly [K in keyof MembershipChange]: MembershipChange[K] } = {};
      const was: Record<string, unknown> = {};
      const now: Record<string, unknown> = {};
      if (input.roles !== undefined) {
        const roles = [...new Set(input.roles)];
        if (!sameJson([...roles].sort(), [...before.roles].sort())) {
          if (before.roles.includes('institution_admin') && !roles.includes('institution_admin')) {
            await this.#refuseLosingLastAdministrator(trx, institutionId, before);
          }
          change.roles = roles;
          was.roles = before.roles;
          now.roles = roles;
        }
      }
      if (input.level !== undefined && input.level !== before.securityLevel.name) {
        const level = await findLevelByName(trx, institutionId, input.level);
        if (!level) throw invalid(`This institution has no security level named "${input.level}".`);
        change.securityLevelId = level.id;
        was.level = before.securityLevel.name;
        now.level = level.name;
      }
      if (input.exportPermission !== undefined) {
        const wanted = { granted: input.exportPermission.granted, note: note === '' ? null : note };
        if (!sameJson(wanted, exportView(before))) {
          change.exportPermission = { ...wanted, by: actor.actorId };
          was.exportPermission = exportView(before);
          now.exportPermission = wanted;
        }
      }
      if (input.accessHours !== undefined && !sameJson(input.accessHours, before.accessHours)) {
        change.accessHours = input.accessHours;
        was.accessHours = before.accessHours;
        now.accessHours = input.accessHours;
      }
      if (Object.keys(now).length === 0) return before;
      const version = await updateMembership(trx, institutionId, userId, input.version, change);
      if (version === undefined) throw new Error('membership changed under its lock');
      await audit.record(
        {
          ...actor,
          action: 'admin.user.update',
          outcome: 'success',
          institutionId,
          targetType: 'user',
          targetId: userId,
          details: { before: was, after: now, version },
        },
        trx,
      );
      return this.#reread(trx, institutionId, userId);
    });
  }

  /**
   * Disables the membership and ends every session of the person at once, on every node. When no
   * other institution still counts them as staff, the account itself is disabled too, so they
   * cannot sign in at all, and its outstanding password links are void.
   */
  async disable(actor: Actor, institutionId: string, userId: string): Promise<StaffMember> {
    const { db, audit, sessions } = this.#deps;
    return db.transaction().execute(async (trx) => {
      if (!(await lockInstitutionStaff(trx, institutionId))) throw notFound();
      const before = await findStaffMember(trx, institutionId, userId);
      if (!before) throw notFound();
      if (userId === actor.actorId) {
        throw new ApiError(
          'conflict',
          'You cannot disable your own account: ask another administrator of this institution.',
          { details: { reason: 'self' } },
        );
      }
      if (before.membershipDisabled) return before;
      if (before.roles.includes('institution_admin')) {
        await this.#refuseLosingLastAdministrator(trx, institutionId, before);
      }
      await setMembershipDisabled(trx, institutionId, userId, true);
      const revoked = await sessions.revokeAllOfUser(userId, 'user_disabled', undefined, trx);
      // The built-in system administrator belongs to the deployment, not to any one institution.
      const accountDisabled =
        !before.isSystemAdmin && (await membershipsElsewhere(trx, userId, institutionId, 'active')) === 0;
      if (accountDisabled) {
        await setAccountDisabled(trx, userId, true);
        // A link issued before must not choose the password that works once the account is enabled again.
        await voidPasswordTokens(trx, userId);
      }
      await audit.record(
        {
          ...actor,
          action: 'admin.user.disable',
          outcome: 'success',
          institutionId,
          targetType: 'user',
          targetId: userId,
          details: {
            before: { disabled: false },
            after: { disabled: true, accountDisabled },
            sessionsRevoked: revoked,
          },
        },
        trx,
      );
      return this.#reread(trx, institutionId, userId);
    });
  }

  async enable(actor: Actor, institutionId: string, userId: string): Promise<StaffMember> {
    const { db, audit } = this.#deps;
    return db.transaction().execute(async (trx) => {
      if (!(await lockInstitutionStaff(trx, institutionId))) throw notFound();
      const before = await findStaffMember(trx, institutionId, userId);
      if (!before) throw notFound();
      if (!before.disabled) return before;
      if (before.membershipDisabled) await setMembershipDisabled(trx, institutionId, userId, false);
      if (before.accountDisabled) await setAccountDisabled(trx, userId, false);
      await audit.record(
        {
          ...actor,
          action: 'admin.user.enable',
          outcome: 'success',
          institutionId,
          targetType: 'user',
          targetId: userId,
          details: {
            before: { disabled: true, accountDisabled: before.accountDisabled },
            after: { disabled: false },
          },
        },
        trx,
      );
      return this.#reread(trx, institutionId, userId);
    });
  }

  /** Removes the person's second factor so they can enrol again; they are told at their next sign-in. */
  async resetTwoFactor(actor: Actor, institutionId: string, userId: string): Promise<{ reset: boolean }> {
    const { audit, twoFactor } = this.#deps;
    await this.#credentialsTarget(actor, institutionId, userId);
    // The two-factor service makes the reset on its own connection; it is recorded right after.
    // Should recording fail, the administrator sees the error and repeats the reset, which is then
    // recorded (and changes nothing more).
    const reset = await twoFactor.resetByAdministrator(userId);
    await audit.record({
      ...actor,
      action: 'twofactor.reset',
      outcome: 'success',
      institutionId,
      targetType: 'user',
      targetId: userId,
      details: { before: { twoFactorEnabled: reset }, after: { twoFactorEnabled: false } },
    });
    return { reset };
  }

  /** Ends every session of the person at once ("sign out everywhere" on their behalf). */
  async revokeSessions(actor: Actor, institutionId: string, userId: string): Promise<{ revoked: number }> {
    const { db, audit, sessions } = this.#deps;
    return db.transaction().execute(async (trx) => {
      if (!(await findStaffMember(trx, institutionId, userId))) throw notFound();
      const revoked = await sessions.revokeAllOfUser(userId, 'signed_out_everywhere', undefined, trx);
      await audit.record(
        {
          ...actor,
          action: 'admin.sessions.revoke',
          outcome: 'success',
          institutionId,
          targetType: 'user',
          targetId: userId,
          details: { revoked },
        },
        trx,
      );
      return { revoked };
    });
  }

  /**
   * A one-time link for the person to choose a new password; the administrator hands it over and
   * never learns the password. Only the link's hash is stored and the trail records that one was
   * issued, never the link.
   */
  async passwordResetLink(
    actor: Actor,
    institutionId: string,
    userId: string,
  ): Promise<{ link: string; validHours: number }> {
    const { db, audit } = this.#deps;
    await this.#credentialsTarget(actor, institutionId, userId);
    // Issued first: if recording it fails, the link is never shown, so no one holds it.
    const token = await issuePasswordToken(db, userId, 'reset');
    await audit.record({
      ...actor,
      action: 'admin.password_reset_link',
      outcome: 'success',
      institutionId,
      targetType: 'user',
      targetId: userId,
      details: { validHours: PASSWORD_TOKEN_HOURS },
    });
    return { link: passwordLink(this.#deps.publicUrl, token), validHours: PASSWORD_TOKEN_HOURS };
  }

  /**
   * A person whose credentials this institution's administrators may reset: on its staff, not the
   * administrator themselves (their own password and second factor change from their profile,
   * which asks for both: a stolen administrator's session alone must not be enough to take the
   * account), and not an account that another institution (or the whole deployment) also relies
   * on, which one institution's administrator must not be able to take over. A membership
   * suspended elsewhere still counts: it may be restored, and the account must still be its
   * owner's then.
   */
  async mayResetCredentials(actor: Actor, institutionId: string, userId: string): Promise<void> {
    await this.#credentialsTarget(actor, institutionId, userId);
  }

  /** The same check, giving the person. */
  async #credentialsTarget(actor: Actor, institutionId: string, userId: string): Promise<StaffMember> {
    const { db } = this.#deps;
    const member = await findStaffMember(db, institutionId, userId);
    if (!member) throw notFound();
    if (userId === actor.actorId) {
      throw new ApiError(
        'forbidden',
        'Change your own password or second factor from your profile, where your current password is asked; another administrator can reset them for you.',
        { details: { reason: 'self' } },
      );
    }
    if (member.isSystemAdmin || (await membershipsElsewhere(db, userId, institutionId, 'any')) > 0) {
      throw new ApiError(
        'forbidden',
        'This account is also used outside this institution; a system administrator must reset its credentials.',
        { details: { reason: 'shared_account' } },
      );
    }
    return member;
  }

  /**
   * Refuses a demotion or disabling that would leave the institution without an active
   * administrator. (Administrators cannot change their own access at all: see `update`, `disable`.)
   */
  async #refuseLosingLastAdministrator(
    trx: Kysely<Schema>,
    institutionId: string,
    target: StaffMember,
  ): Promise<void> {
    if (target.disabled) return;
    const admins = await activeAdministratorIds(trx, institutionId);
    if (admins.length <= 1 && admins.includes(target.id)) {
      throw new ApiError(
        'conflict',
        `${target.displayName} is the last active administrator of this institution: make someone else an administrator first.`,
        { details: { reason: 'last_administrator' } },
      );
    }
  }

  async #reread(trx: Kysely<Schema>, institutionId: string, userId: string): Promise<StaffMember> {
    const member = await findStaffMember(trx, institutionId, userId);
    if (!member) throw new Error('staff member vanished during an update');
    return member;
  }
}
