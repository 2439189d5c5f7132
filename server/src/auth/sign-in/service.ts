import type { Insertable, Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { hoursOfMembership, judgeHours } from '../../access/hours-gate.ts';
import type { AuditEvent, AuditLog } from '../../audit/log.ts';
import type { Schema, SessionState, SignInAttemptsTable } from '../../db/schema.ts';
import { ApiError } from '../../http/errors.ts';
import {
  findUserById,
  membershipsOf,
  normaliseUsername,
  type Membership,
  type UserForSignIn,
} from '../../identity/store.ts';
import { passwordExpired, strictestLevel, type SecurityLevel } from '../../identity/security-levels.ts';
import { CaptchaUnavailableError, type CaptchaService } from '../captcha/index.ts';
import { dummyVerify, hashPassword, needsRehash, verifyPassword } from '../passwords/index.ts';
import type { SessionService } from '../sessions/service.ts';
import { IP_FAILURE_CEILING } from '../throttle/policy.ts';
import type { ThrottleStore } from '../throttle/store.ts';
import { SecondFactorError, type TwoFactorService } from '../../twofactor/service.ts';
import { issueDeviceToken, verifyDeviceToken } from './device.ts';
import { findSignInProfile, findUserIdByUsername } from './store.ts';

export interface SignInRequest {
  readonly username: string;
  readonly password: string;
  readonly captcha: string | undefined;
  readonly ip: string;
  readonly userAgent: string;
  readonly deviceToken: string | undefined;
}

export interface SignedIn {
  readonly kind: 'session';
  readonly token: string;
  readonly sessionId: string;
  readonly expiresAt: Date;
  readonly state: SessionState;
  readonly userId: string;
  readonly deviceToken: string;
  /** Things to tell the user once, e.g. that an administrator reset their two-factor. */
  readonly notices: readonly 'two_factor_reset'[];
}

export interface SecondFactorRequired {
  readonly kind: 'second_factor';
  readonly challenge: string;
  readonly expiresAt: Date;
}

export interface SecondFactorRequest {
  readonly challenge: string;
  readonly code: string | undefined;
  readonly recoveryCode: string | undefined;
  readonly ip: string;
  readonly userAgent: string;
}

export type SignInOutcome =
  | 'success'
  | 'wrong_password'
  | 'unknown_user'
  | 'disabled'
  | 'throttled'
  | 'captcha_failed'
  | 'captcha_unavailable'
  | 'ip_throttled'
  | 'second_factor_failed'
  | 'outside_hours';

export interface SignInDeps {
  readonly db: Kysely<Schema>;
  readonly throttle: ThrottleStore;
  readonly captcha: CaptchaService;
  readonly sessions: SessionService;
  readonly twoFactor: TwoFactorService;
  readonly audit: AuditLog;
  /** Keys that sign device cookies: `token.secret`, then its previous value. */
  readonly deviceKeys: readonly string[];
}

// One message for an unknown user, a wrong password, a disabled account and a locked account, so
// the answer tells an attacker nothing about which it was.
const INVALID_CREDENTIALS =
  'The username or password is not correct, or this account is locked for a few minutes after repeated failures.';

function invalidCredentials(): ApiError {
  return new ApiError('invalid_credentials', INVALID_CREDENTIALS);
}

function tooManyFromAddress(windowEndsAt: Date): ApiError {
  const seconds = Math.max(1, Math.ceil((windowEndsAt.getTime() - Date.now()) / 1000));
  return new ApiError(
    'too_many_requests',
    `Too many failed sign-ins from this address. Try again in ${Math.ceil(seconds / 60)} minutes.`,
    { headers: { 'retry-after': String(seconds) }, details: { retryAfterSeconds: seconds } },
  );
}

/**
 * Password sign-in: IP ceiling, captcha, account backoff, password check, then a new session.
 * Every attempt is recorded. Unknown users and locked accounts still pay for an argon2 verification,
 * so timing does not tell them apart from a wrong password.
 */
export class SignInService {
  readonly #deps: SignInDeps;
  // Whether the captcha depends on recent failures ("after-failures"): only then must the counters
  // be read before the attempt is claimed. Otherwise the claims alone enforce the ceiling and locks.
  readonly #captchaNeedsCounts: boolean;
  constructor(deps: SignInDeps) {
    this.#deps = deps;
    this.#captchaNeedsCounts =
      deps.captcha.isRequired(0) !== deps.captcha.isRequired(Number.MAX_SAFE_INTEGER);
  }

  async signIn(request: SignInRequest): Promise<SignedIn | SecondFactorRequired> {
    const { throttle, captcha } = this.#deps;
    const username = normaliseUsername(request.username).slice(0, 128);

    const deviceId = verifyDeviceToken(this.#deps.deviceKeys, username, request.deviceToken);
    const lockKey = deviceId ? `device:${deviceId}` : `account:${username}`;
    const [ip, lock] = this.#captchaNeedsCounts
      ? await Promise.all([throttle.ipState(request.ip), throttle.lockState(lockKey)])
      : [undefined, undefined];
    if (ip && ip.failures >= IP_FAILURE_CEILING) {
      await this.#record(username, undefined, request, 'ip_throttled');
      throw tooManyFromAddress(ip.windowEndsAt);
    }

    if (captcha.isRequired(Math.max(lock?.failures ?? 0, ip?.failures ?? 0))) {
      let verdict;
      try {
        verdict = await captcha.verify(request.captcha, request.ip);
      } catch (error) {
        if (error instanceof CaptchaUnavailableError) {
          await this.#record(username, undefined, request, 'captcha_unavailable');
          throw new ApiError(
            'captcha_unavailable',
            'The captcha could not be verified right now, so sign-in is paused. Try again shortly.',
          );
        }
        throw error;
      }
      if (!verdict.ok) {
        await this.#record(username, undefined, request, 'captcha_failed');
        throw new ApiError(
          verdict.reason === 'missing' ? 'captcha_required' : 'captcha_invalid',
          verdict.reason === 'missing'
            ? 'Complete the captcha to sign in.'
            : 'The captcha was not accepted; try it again.',
          { details: { captcha: captcha.publicInfo() } },
        );
      }
    }

    if (lock?.lockedUntil) return this.#refuseThrottled(username, request);

    // The guess is counted as a failure before it is checked, atomically with the ceiling and lock
    // checks: a burst of parallel guesses must not all pass checks made before any was counted.
    const claims = await throttle.claimSignIn(request.ip, IP_FAILURE_CEILING, lockKey);
    if (!claims.ip.allowed) {
      await this.#record(username, undefined, request, 'ip_throttled');
      throw tooManyFromAddress(claims.ip.windowEndsAt);
    }
    if (!claims.account?.allowed) {
      // Refusals of a locked account are not guesses: they do not count against the address.
      await throttle.releaseIpAttempt(request.ip);
      return this.#refuseThrottled(username, request);
    }

    const profile = await findSignInProfile(this.#deps.db, username);
    const user = profile?.user;
    const passwordOk = user?.passwordHash
      ? await verifyPassword(user.passwordHash, request.password)
      : await dummyVerify(request.password);
    if (!user || !passwordOk || user.disabled) {
      await this.#record(
        username,
        user?.id,
        request,
        !user ? 'unknown_user' : !passwordOk ? 'wrong_password' : 'disabled',
      );
      throw invalidCredentials();
    }

    if (user.passwordHash && needsRehash(user.passwordHash)) {
      await this.#deps.db
        .updateTable('ward.users')
        .set({ password_hash: await hashPassword(request.password) })
        .where('id', '=', user.id)
        .execute();
    }
    // Access hours are checked after the password (the seeds: a stolen password is useless at
    // unusual times), and said plainly: the person typing knows the password.
    const { memberships } = profile;
    if (!judgeHours(memberships.map(hoursOfMembership), new Date()).allowed) {
      // A right password gives back the address's claim; the account's stays counted.
      await throttle.releaseIpAttempt(request.ip);
      await this.#record(username, user.id, request, 'outside_hours');
      throw new ApiError(
        'outside_access_hours',
        'Access is not allowed at this time: your access hours do not include it. Ask your administrator if this is wrong.',
      );
    }
    const twoFactor = this.#deps.twoFactor.statusOf(
      user.isSystemAdmin,
      memberships,
      profile.twoFactorEnabledAt,
    );
    if (twoFactor.enabled) {
      await throttle.releaseIpAttempt(request.ip);
      const { challenge, expiresAt } = await this.#deps.twoFactor.createChallenge({
        userId: user.id,
        ip: request.ip,
        userAgent: request.userAgent,
        lockKey,
      });
      // The attempt claimed above stays counted until the second factor is right too: otherwise whoever
      // knows the password could wipe the backoff earned by wrong codes just by entering it again.
      return { kind: 'second_factor', challenge, expiresAt };
    }
    await throttle.settleSignIn(request.ip, this.#keysToForgive(lockKey, username));
    return this.#finish(
      user,
      username,
      request,
      twoFactor.required,
      memberships,
      profile.twoFactorResetUnnoticed,
    );
  }

  /** After a complete sign-in: the key's failures are forgiven, the account's too after a known device. */
  async #clearFailures(lockKey: string, username: string): Promise<void> {
    for (const key of this.#keysToForgive(lockKey, username)) await this.#deps.throttle.reset(key);
  }

  #keysToForgive(lockKey: string, username: string): string[] {
    const accountKey = `account:${username}`;
    return lockKey === accountKey ? [lockKey] : [lockKey, accountKey];
  }

  /** The second step: a TOTP or recovery code for the challenge the password step returned. */
  async completeSecondFactor(request: SecondFactorRequest): Promise<SignedIn> {
    try {
      const outcome = await this.#deps.twoFactor.answerChallenge(request.challenge, {
        code: request.code,
        recoveryCode: request.recoveryCode,
      });
      const user = await findUserById(this.#deps.db, outcome.userId);
      if (!user || user.disabled) throw invalidCredentials();
      await this.#clearFailures(outcome.lockKey, user.username);
      return await this.#finish(
        user,
        user.username,
        request,
        false,
        await membershipsOf(this.#deps.db, user.id),
        true,
      );
    } catch (error) {
      if (
        error instanceof SecondFactorError &&
        error.lockKey !== undefined &&
        error.failure !== 'challenge_invalid'
      ) {
        // Wrong codes count toward the same backoff as wrong passwords.
        await this.#deps.throttle.recordFailure(error.lockKey);
        const user = error.userId ? await findUserById(this.#deps.db, error.userId) : undefined;
        await this.#record(user?.username ?? '', error.userId, request, 'second_factor_failed');
      }
      throw error;
    }
  }

  async #finish(
    user: UserForSignIn,
    username: string,
    request: { ip: string; userAgent: string },
    secondFactorRequired: boolean,
    memberships: readonly Membership[],
    /** Whether an administrator's reset of their two-factor may still need telling. */
    mayHaveResetNotice: boolean,
  ): Promise<SignedIn> {
    const level = strictestLevel(memberships.map((m) => m.level));
    const state = this.#stateAfterPassword(user, level, secondFactorRequired);
    // The recorded attempt, its audit row and the session: one statement, so one commit for all.
    const session = await this.#deps.sessions.start(
      {
        userId: user.id,
        state,
        idleTimeoutMinutes: level.idleTimeoutMinutes,
        absoluteTimeoutMinutes: level.absoluteTimeoutMinutes,
        ip: request.ip,
        userAgent: request.userAgent,
      },
      this.#deps.db,
      (db) =>
        db
          .with('attempt', (qb) =>
            qb
              .insertInto('ward.sign_in_attempts')
              .values(this.#attemptRow(username, user.id, request, 'success')),
          )
          .with('audit', (qb) =>
            qb
              .insertInto('ward.audit_events')
              .values(this.#deps.audit.rowFor(this.#attemptEvent(username, user.id, request, 'success'))),
          ),
    );
    const notices =
      mayHaveResetNotice && (await this.#deps.twoFactor.takeResetNotice(user.id))
        ? (['two_factor_reset'] as const)
        : [];
    return {
      kind: 'session',
      ...session,
      state,
      userId: user.id,
      deviceToken: issueDeviceToken(this.#deps.deviceKeys[0] ?? '', username),
      notices,
    };
  }

  /**
   * A locked account's answer: the same work, message and status as a wrong password. The refusal is
   * recorded under the account's id, so that its owner and their institutions' auditors see that the
   * guessing went on; the lookup is made whether or not anyone has the name, as a check would.
   */
  async #refuseThrottled(username: string, request: SignInRequest): Promise<never> {
    const userId = await findUserIdByUsername(this.#deps.db, username);
    await dummyVerify(request.password);
    await this.#record(username, userId, request, 'throttled');
    throw invalidCredentials();
  }

  #stateAfterPassword(
    user: UserForSignIn,
    level: SecurityLevel,
    secondFactorRequired: boolean,
  ): SessionState {
    if (user.mustChangePassword || passwordExpired(level, user.passwordChangedAt, new Date())) {
      return 'password_change_required';
    }
    // Required by the level, available, but not enrolled: enrolment is all this session may do.
    if (secondFactorRequired) return 'second_factor_enrolment_required';
    return 'active';
  }

  /**
   * Records a refused attempt and its audit row in one statement, so one commit: neither is ever
   * stored without the other, and each guess costs one round trip. (A success's are written in the
   * statement that opens the session.)
   */
  async #record(
    username: string,
    userId: string | undefined,
    request: { ip: string; userAgent: string },
    outcome: SignInOutcome,
  ): Promise<void> {
    await this.#deps.db
      .with('attempt', (qb) =>
        qb.insertInto('ward.sign_in_attempts').values(this.#attemptRow(username, userId, request, outcome)),
      )
      .insertInto('ward.audit_events')
      .values(this.#deps.audit.rowFor(this.#attemptEvent(username, userId, request, outcome)))
      .execute();
  }

  #attemptRow(
    username: string,
    userId: string | undefined,
    request: { ip: string; userAgent: string },
    outcome: SignInOutcome,
  ): Insertable<SignInAttemptsTable> {
    return {
      id: uuidv7(),
      username: username.slice(0, 128),
      user_id: userId ?? null,
      ip: request.ip,
      user_agent: request.userAgent.slice(0, 512),
      outcome,
    };
  }

  #attemptEvent(
    username: string,
    userId: string | undefined,
    request: { ip: string; userAgent: string },
    outcome: SignInOutcome,
  ): AuditEvent {
    return {
      action: outcome === 'success' ? 'auth.sign_in' : 'auth.sign_in_failed',
      outcome: outcome === 'success' ? 'success' : 'failure',
      actorId: userId ?? null,
      actorUsername: username.slice(0, 128),
      ip: request.ip,
      userAgent: request.userAgent,
      reason: outcome === 'success' ? null : outcome,
    };
  }
}
