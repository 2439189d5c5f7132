import { sql, type Kysely } from 'kysely';
import {
  checkPassword,
  hashPassword,
  verifyPassword,
  type PasswordProblem,
} from '../auth/passwords/index.ts';
import type { SessionService } from '../auth/sessions/service.ts';
import { reauthenticationKey, type ReauthenticationGuard } from '../auth/step-up/guard.ts';
import { tooManyAttempts } from '../auth/throttle/refusal.ts';
import type { ThrottleStore } from '../auth/throttle/store.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import { passwordRulesFor, strictestLevel, type SecurityLevel } from '../identity/security-levels.ts';
import { findUserById, membershipsOf } from '../identity/store.ts';
import { consumePasswordToken, peekPasswordToken, voidPasswordTokens } from './password-tokens.ts';

export interface PasswordServiceDeps {
  readonly db: Kysely<Schema>;
  readonly sessions: SessionService;
  readonly throttle: ThrottleStore;
  /** The one throttle on passwords and codes asked again inside a session. */
  readonly guard: ReauthenticationGuard;
  /** Whether the user has a second factor enrolled (NIST: 8 characters then, 15 without). */
  readonly hasSecondFactor: (userId: string) => Promise<boolean>;
  /**
   * Whether the user's level requires a second factor they have not enrolled yet: then a session
   * leaves `password_change_required` for `second_factor_enrolment_required`, not for `active`.
   */
  readonly secondFactorOwed?: (userId: string) => Promise<boolean>;
}

export interface PasswordRequirements {
  readonly minLength: number;
  readonly maxLength: number;
  readonly composition: boolean;
  readonly historyCount: number;
  readonly maxAgeDays: number;
}

/** A reason a new password is refused: the policy's, or reuse of a recent one. */
export type NewPasswordProblem = PasswordProblem | { readonly code: 'reused'; readonly message: string };

function rejected(reasons: readonly NewPasswordProblem[]): ApiError {
  return new ApiError('password_rejected', reasons.map((r) => r.message).join(' '), { details: { reasons } });
}

/**
 * The throttle key for "used recently" answers to whoever holds a user's reset link: each is an
 * answer about the user's passwords, so a link holder gets as few as a guesser would.
 */
function resetAnswersKey(userId: string): string {
  return `password-reset-answers:${userId}`;
}

/**
 * Choosing a password: the security level's rules (length, composition, history), the NIST
 * blocklist and context words, then the change itself with history kept and other sessions ended.
 */
export class PasswordService {
  readonly #deps: PasswordServiceDeps;
  constructor(deps: PasswordServiceDeps) {
    this.#deps = deps;
  }

  /** What the user's next password must satisfy, for the UI to show before they type. */
  async requirementsFor(userId: string): Promise<PasswordRequirements> {
    const { level, rules } = await this.#rulesFor(userId);
    return { ...rules, historyCount: level.historyCount, maxAgeDays: level.maxAgeDays };
  }

  async #rulesFor(
    userId: string,
  ): Promise<{ level: SecurityLevel; rules: ReturnType<typeof passwordRulesFor> }> {
    const memberships = await membershipsOf(this.#deps.db, userId);
    const level = strictestLevel(memberships.map((m) => m.level));
    return { level, rules: passwordRulesFor(level, await this.#deps.hasSecondFactor(userId)) };
  }

  /**
   * The level's rules, the blocklist and context words only: what the user may be told while still
   * typing. Reuse is not judged here: comparing a candidate with the current and earlier passwords
   * would answer "is this your password?" to anyone holding a session, without limit.
   */
  async checkPolicy(userId: string, candidate: string): Promise<void> {
    const { reasons } = await this.#policyProblems(userId, candidate);
    if (reasons.length > 0) throw rejected(reasons);
  }

  /** Rejects a candidate password with every reason, reuse of a recent one included, or returns nothing. */
  async validate(userId: string, candidate: string): Promise<void> {
    const { reasons, level, passwordHash } = await this.#policyProblems(userId, candidate);
    if (reasons.length === 0 && (await this.#reused(userId, candidate, level.historyCount, passwordHash))) {
      reasons.push({
        code: 'reused',
        message: `This password was used recently; choose one you have not used in your last ${Math.max(1, level.historyCount)} passwords.`,
      });
    }
    if (reasons.length > 0) throw rejected(reasons);
  }

  async #policyProblems(
    userId: string,
    candidate: string,
  ): Promise<{ reasons: NewPasswordProblem[]; level: SecurityLevel; passwordHash: string | null }> {
    const user = await findUserById(this.#deps.db, userId);
    if (!user) throw new ApiError('not_found', 'No such user.');
    const memberships = await membershipsOf(this.#deps.db, userId);
    const { level, rules } = await this.#rulesFor(userId);
    const verdict = checkPassword(candidate, rules, {
      username: user.username,
      displayName: user.displayName,
      ...(user.email ? { email: user.email } : {}),
      ...(memberships[0] ? { institutionName: memberships[0].institutionName } : {}),
    });
    return { reasons: verdict.ok ? [] : [...verdict.reasons], level, passwordHash: user.passwordHash };
  }

  async #reused(
    userId: string,
    candidate: string,
    historyCount: number,
    currentHash: string | null,
  ): Promise<boolean> {
    // The current password never counts as new, whatever the level's history.
    if (currentHash && (await verifyPassword(currentHash, candidate))) return true;
    if (historyCount <= 1) return false;
    const previous = await this.#deps.db
      .selectFrom('ward.password_history')
      .select('password_hash')
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .limit(historyCount - 1)
      .execute();
    for (const { password_hash } of previous) {
      if (await verifyPassword(password_hash, candidate)) return true;
    }
    return false;
  }

  async #store(trx: Kysely<Schema>, userId: string, newPassword: string): Promise<void> {
    const user = await trx
      .selectFrom('ward.users')
      .select('password_hash')
      .where('id', '=', userId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (user.password_hash) {
      await trx
        .insertInto('ward.password_history')
        .values({ user_id: userId, password_hash: user.password_hash })
        .execute();
    }
    await trx
      .updateTable('ward.users')
      .set({
        password_hash: await hashPassword(newPassword),
        password_changed_at: sql`now()`,
        must_change_password: false,
        updated_at: sql`now()`,
        version: sql`version + 1`,
      })
      .where('id', '=', userId)
      .execute();
    // Whatever way the password changed, no link issued before it may change it again.
    await voidPasswordTokens(trx, userId);
  }

  /** Change by the signed-in user: current password required; every other session ends. */
  async change(
    userId: string,
    sessionId: string,
    currentPassword: string,
    newPassword: string,
    /** Writes the change's audit row in the change's own transaction. */
    record: (trx: Kysely<Schema>) => Promise<void>,
  ): Promise<void> {
    // Guesses at the current password through a session (a borrowed or unattended one) count with
    // the step-up's and two-factor's: one backoff for every password or code asked again.
    await this.#deps.guard.attempt(userId, async () => {
      const user = await findUserById(this.#deps.db, userId);
      if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, currentPassword))) {
        throw new ApiError('invalid_credentials', 'The current password is not correct.');
      }
    });
    await this.validate(userId, newPassword);
    const owed = (await this.#deps.secondFactorOwed?.(userId)) ?? false;
    await this.#deps.db.transaction().execute(async (trx) => {
      await this.#store(trx, userId, newPassword);
      await this.#deps.sessions.revokeAllOfUser(userId, 'password_changed', sessionId, trx);
      await this.#deps.sessions.setState(
        sessionId,
        owed ? 'second_factor_enrolment_required' : 'active',
        trx,
      );
      await record(trx);
    });
  }

  /** Set or reset through a one-time link: the token is used up and every session of the user ends. */
  async resetWithToken(
    token: string,
    newPassword: string,
    /** Writes the reset's audit row (for the link's owner) in the reset's own transaction. */
    record: (trx: Kysely<Schema>, userId: string) => Promise<void>,
  ): Promise<{ userId: string }> {
    const invalid = new ApiError(
      'invalid_token',
      'This link is not valid: it was already used, has expired (links last 24 hours), or was replaced by a newer one.',
    );
    const userId = await peekPasswordToken(this.#deps.db, token);
    if (!userId) throw invalid;
    // The rules first: they say nothing about the account's passwords.
    await this.checkPolicy(userId, newPassword);
    // "Used recently" is an answer about the current and earlier passwords, and a refused password
    // leaves the link usable: its holder gets as few such answers as a guesser at the current one.
    const guessKey = resetAnswersKey(userId);
    const claim = await this.#deps.throttle.claimAttempt(guessKey);
    if (!claim.allowed) throw tooManyAttempts('password attempts', claim.lockedUntil);
    await this.validate(userId, newPassword);
    await this.#deps.db.transaction().execute(async (trx) => {
      const consumed = await consumePasswordToken(trx, token);
      if (consumed?.userId !== userId) throw invalid;
      await this.#store(trx, userId, newPassword);
      await this.#deps.sessions.revokeAllOfUser(userId, 'password_reset', undefined, trx);
      await record(trx, userId);
    });
    await this.#deps.throttle.reset(guessKey);
    // A reset also lifts the locks that others' guessing put on the account: at sign-in, and through
    // a session (re-authentication, two-factor), which after 100 failures would otherwise stay locked.
    await this.#deps.throttle.reset(reauthenticationKey(userId));
    const user = await findUserById(this.#deps.db, userId);
    if (user) await this.#deps.throttle.reset(`account:${user.username}`);
    return { userId };
  }
}
