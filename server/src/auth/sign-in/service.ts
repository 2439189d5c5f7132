import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Schema, SessionState } from '../../db/schema.ts';
import { ApiError } from '../../http/errors.ts';
import {
  findUserForSignIn,
  membershipsOf,
  normaliseUsername,
  type UserForSignIn,
} from '../../identity/store.ts';
import { passwordExpired, strictestLevel, type SecurityLevel } from '../../identity/security-levels.ts';
import { CaptchaUnavailableError, type CaptchaService } from '../captcha/index.ts';
import { dummyVerify, hashPassword, needsRehash, verifyPassword } from '../passwords/index.ts';
import type { SessionService } from '../sessions/service.ts';
import { IP_FAILURE_CEILING } from '../throttle/policy.ts';
import type { ThrottleStore } from '../throttle/store.ts';
import { issueDeviceToken, verifyDeviceToken } from './device.ts';

export interface SignInRequest {
  readonly username: string;
  readonly password: string;
  readonly captcha: string | undefined;
  readonly ip: string;
  readonly userAgent: string;
  readonly deviceToken: string | undefined;
}

export interface SignedIn {
  readonly token: string;
  readonly sessionId: string;
  readonly expiresAt: Date;
  readonly state: SessionState;
  readonly userId: string;
  readonly deviceToken: string;
}

export type SignInOutcome =
  | 'success'
  | 'wrong_password'
  | 'unknown_user'
  | 'disabled'
  | 'throttled'
  | 'captcha_failed'
  | 'ip_throttled';

export interface SignInDeps {
  readonly db: Kysely<Schema>;
  readonly throttle: ThrottleStore;
  readonly captcha: CaptchaService;
  readonly sessions: SessionService;
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

/**
 * Password sign-in: IP ceiling, captcha, account backoff, password check, then a new session.
 * Every attempt is recorded. Unknown users and locked accounts still pay for an argon2 verification,
 * so timing does not tell them apart from a wrong password.
 */
export class SignInService {
  readonly #deps: SignInDeps;
  constructor(deps: SignInDeps) {
    this.#deps = deps;
  }

  async signIn(request: SignInRequest): Promise<SignedIn> {
    const { throttle, captcha } = this.#deps;
    const username = normaliseUsername(request.username).slice(0, 128);

    const ip = await throttle.ipState(request.ip);
    if (ip.failures >= IP_FAILURE_CEILING) {
      await this.#record(username, undefined, request, 'ip_throttled');
      const seconds = Math.max(1, Math.ceil((ip.windowEndsAt.getTime() - Date.now()) / 1000));
      throw new ApiError(
        'too_many_requests',
        `Too many failed sign-ins from this address. Try again in ${Math.ceil(seconds / 60)} minutes.`,
        {
          headers: { 'retry-after': String(seconds) },
          details: { retryAfterSeconds: seconds },
        },
      );
    }

    const deviceId = verifyDeviceToken(this.#deps.deviceKeys, username, request.deviceToken);
    const lockKey = deviceId ? `device:${deviceId}` : `account:${username}`;
    const lock = await throttle.lockState(lockKey);

    if (captcha.isRequired(Math.max(lock.failures, ip.failures))) {
      let verdict;
      try {
        verdict = await captcha.verify(request.captcha, request.ip);
      } catch (error) {
        if (error instanceof CaptchaUnavailableError) {
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

    if (lock.lockedUntil) {
      await dummyVerify(request.password);
      await this.#record(username, undefined, request, 'throttled');
      throw invalidCredentials();
    }

    const user = await findUserForSignIn(this.#deps.db, username);
    const passwordOk = user?.passwordHash
      ? await verifyPassword(user.passwordHash, request.password)
      : await dummyVerify(request.password);
    if (!user || !passwordOk || user.disabled) {
      await throttle.recordFailure(lockKey);
      await throttle.recordIpFailure(request.ip);
      await this.#record(
        username,
        user?.id,
        request,
        !user ? 'unknown_user' : !passwordOk ? 'wrong_password' : 'disabled',
      );
      throw invalidCredentials();
    }

    // Most sign-ins follow no failure: skip the writes then.
    if (lock.failures > 0) await throttle.reset(lockKey);
    if (deviceId) await throttle.reset(`account:${username}`);
    if (user.passwordHash && needsRehash(user.passwordHash)) {
      await this.#deps.db
        .updateTable('ward.users')
        .set({ password_hash: await hashPassword(request.password) })
        .where('id', '=', user.id)
        .execute();
    }
    const level = strictestLevel((await membershipsOf(this.#deps.db, user.id)).map((m) => m.level));
    const state = this.#stateAfterPassword(user, level);
    const session = await this.#deps.db.transaction().execute(async (trx) => {
      await this.#record(username, user.id, request, 'success', trx);
      return this.#deps.sessions.start(
        {
          userId: user.id,
          state,
          idleTimeoutMinutes: level.idleTimeoutMinutes,
          absoluteTimeoutMinutes: level.absoluteTimeoutMinutes,
          ip: request.ip,
          userAgent: request.userAgent,
        },
        trx,
      );
    });
    return {
      ...session,
      state,
      userId: user.id,
      deviceToken: issueDeviceToken(this.#deps.deviceKeys[0] ?? '', username),
    };
  }

  #stateAfterPassword(user: UserForSignIn, level: SecurityLevel): SessionState {
    if (user.mustChangePassword || passwordExpired(level, user.passwordChangedAt, new Date())) {
      return 'password_change_required';
    }
    return 'active';
  }

  async #record(
    username: string,
    userId: string | undefined,
    request: SignInRequest,
    outcome: SignInOutcome,
    db: Kysely<Schema> = this.#deps.db,
  ): Promise<void> {
    await db
      .insertInto('ward.sign_in_attempts')
      .values({
        id: uuidv7(),
        username: username.slice(0, 128),
        user_id: userId ?? null,
        ip: request.ip,
        user_agent: request.userAgent.slice(0, 512),
        outcome,
      })
      .execute();
  }
}
