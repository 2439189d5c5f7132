import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { verifyPassword } from '../auth/passwords/index.ts';
import type { ReauthenticationGuard } from '../auth/step-up/guard.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../http/errors.ts';
import { strictestLevel } from '../identity/security-levels.ts';
import { findUserById, membershipsOf, type Membership } from '../identity/store.ts';
import {
  decryptSecret,
  encryptSecret,
  formatSecretForReading,
  generateRecoveryCodes,
  generateTotpSecret,
  hashRecoveryCode,
  isWellFormedRecoveryCode,
  matchTotpStep,
  normaliseRecoveryCode,
  otpauthUri,
  qrSvg,
  secretToBase32,
} from './core/index.ts';
import type { TwoFactorKeyring } from './keys.ts';

export const CHALLENGE_MINUTES = 5;
export const CHALLENGE_MAX_FAILURES = 5;
/** An enrolment not confirmed within this time must start again. */
const PENDING_MINUTES = 15;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface TwoFactorStatus {
  /** The deployment flag is on and one of the user's institutions (or system administration) offers it. */
  readonly available: boolean;
  readonly enabled: boolean;
  /** The user's security level demands it. */
  readonly required: boolean;
  readonly recoveryCodesLeft: number;
}

export interface Enrolment {
  readonly otpauthUri: string;
  /** Base32, grouped by four for reading aloud or typing. */
  readonly secret: string;
  readonly qrSvg: string;
}

export type ChallengeFailure = 'code_invalid' | 'code_used' | 'challenge_invalid' | 'too_many_attempts';

export interface ChallengeOutcome {
  readonly userId: string;
  /** The throttle key of the password step, so wrong codes count toward the same backoff. */
  readonly lockKey: string;
  readonly usedRecoveryCode: boolean;
}

/** Raised for a wrong, reused or expired second factor; carries what the throttle needs. */
export class SecondFactorError extends ApiError {
  readonly failure: ChallengeFailure;
  readonly userId: string | undefined;
  readonly lockKey: string | undefined;
  constructor(failure: ChallengeFailure, message: string, userId?: string, lockKey?: string) {
    super(
      failure === 'challenge_invalid' || failure === 'too_many_attempts'
        ? 'second_factor_challenge_invalid'
        : 'second_factor_invalid',
      message,
      {
        details: { reason: failure },
      },
    );
    this.failure = failure;
    this.userId = userId;
    this.lockKey = lockKey;
  }
}

export interface TwoFactorDeps {
  readonly db: Kysely<Schema>;
  readonly keyring: TwoFactorKeyring;
  /** `app.feature.HABILITAR_2FA`. */
  readonly featureEnabled: boolean;
  /** Signs challenge tokens (derived from `token.secret`). */
  readonly challengeKey: string;
  /**
   * Throttles the password and codes asked for inside a session (enrolment, confirmation, turning
   * it off), on the step-up's counter: each is a way for a stolen session to test guesses.
   */
  readonly guard: ReauthenticationGuard;
  readonly now?: () => number;
}

/** TOTP two-factor authentication: availability, enrolment, challenges at sign-in, recovery codes. */
export class TwoFactorService {
  readonly #deps: TwoFactorDeps;
  readonly #now: () => number;
  constructor(deps: TwoFactorDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  get featureEnabled(): boolean {
    return this.#deps.featureEnabled;
  }

  async status(userId: string): Promise<TwoFactorStatus> {
    const { db } = this.#deps;
    const [user, memberships, row, codes] = await Promise.all([
      findUserById(db, userId),
      membershipsOf(db, userId),
      db.selectFrom('ward.two_factor').select('enabled_at').where('user_id', '=', userId).executeTakeFirst(),
      db
        .selectFrom('ward.recovery_codes')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow(),
    ]);
    return {
      ...this.statusOf(user?.isSystemAdmin ?? false, memberships, row?.enabled_at ?? null),
      recoveryCodesLeft: Number(codes.n),
    };
  }

  /** The status from what a caller has read already (sign-in reads it with the user). */
  statusOf(
    isSystemAdmin: boolean,
    memberships: readonly Membership[],
    enabledAt: Date | null,
  ): Omit<TwoFactorStatus, 'recoveryCodesLeft'> {
    const offered = isSystemAdmin || memberships.some((m) => m.twoFactorEnabled);
    const available = this.#deps.featureEnabled && offered;
    return {
      available,
      enabled: available && enabledAt !== null,
      required: available && strictestLevel(memberships.map((m) => m.level)).requireSecondFactor,
    };
  }

  #aad(userId: string): string {
    return `ward-totp:${userId}`;
  }

  async #requireAvailable(userId: string): Promise<TwoFactorStatus> {
    const status = await this.status(userId);
    if (!status.available) {
      throw new ApiError(
        'forbidden',
        'Two-factor authentication is not enabled for your institution; ask your administrator to request it.',
      );
    }
    return status;
  }

  async #checkPassword(userId: string, password: string): Promise<void> {
    const user = await findUserById(this.#deps.db, userId);
    if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, password))) {
      throw new ApiError('invalid_credentials', 'The password is not correct.');
    }
  }

  /** Step one of enrolment: after the password again, a new secret shown as QR code and text. */
  async beginEnrolment(userId: string, username: string, password: string): Promise<Enrolment> {
    const status = await this.#requireAvailable(userId);
    if (status.enabled) throw new ApiError('conflict', 'Two-factor authentication is already enabled.');
    await this.#deps.guard.attempt(userId, () => this.#checkPassword(userId, password));
    const secret = generateTotpSecret();
    const ciphertext = encryptSecret(this.#deps.keyring.current, secret, this.#aad(userId));
    await this.#deps.db
      .insertInto('ward.two_factor')
      .values({ user_id: userId, pending_ciphertext: ciphertext, pending_created_at: new Date(this.#now()) })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({
          pending_ciphertext: ciphertext,
          pending_created_at: new Date(this.#now()),
          updated_at: sql`now()`,
        }),
      )
      .execute();
    const uri = otpauthUri({ username, secret });
    return {
      otpauthUri: uri,
      secret: formatSecretForReading(secretToBase32(secret)),
      qrSvg: await qrSvg(uri),
    };
  }

  /** Step two: the 6-digit code proves the app holds the secret; only then is it enabled. */
  async confirmEnrolment(userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
    await this.#requireAvailable(userId);
    const { db, keyring } = this.#deps;
    const row = await db
      .selectFrom('ward.two_factor')
      .select(['pending_ciphertext', 'pending_created_at', 'enabled_at'])
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if ((row?.enabled_at ?? null) !== null)
      throw new ApiError('conflict', 'Two-factor authentication is already enabled.');
    if (
      !row?.pending_ciphertext ||
      !row.pending_created_at ||
      this.#now() - row.pending_created_at.getTime() > PENDING_MINUTES * 60_000
    ) {
      throw new ApiError('conflict', 'Start the enrolment again: no QR code is waiting for confirmation.');
    }
    const secret = decryptSecret(keyring.all, row.pending_ciphertext, this.#aad(userId));
    // Whoever holds the session but never saw the QR code must not find the code by trying them all:
    // a hit would turn two-factor on and hand them the recovery codes.
    const step = await this.#deps.guard.attempt(userId, async () => {
      const matched = matchTotpStep({ secret, code, now: this.#now() });
      if (matched === null) {
        throw new ApiError(
          'second_factor_invalid',
          'The code is not valid: type the 6 digits your app shows now.',
          {
            details: { reason: 'code_invalid' },
          },
        );
      }
      return matched;
    });
    const recoveryCodes = generateRecoveryCodes();
    await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('ward.two_factor')
        .set({
          secret_ciphertext: row.pending_ciphertext,
          enabled_at: sql`now()`,
          pending_ciphertext: null,
          pending_created_at: null,
          last_used_step: String(step),
          reset_at: null,
          reset_noticed_at: null,
          updated_at: sql`now()`,
        })
        .where('user_id', '=', userId)
        .where('enabled_at', 'is', null)
        .where('pending_ciphertext', '=', row.pending_ciphertext)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n)
        throw new ApiError('conflict', 'The enrolment changed meanwhile; start again.');
      await trx.deleteFrom('ward.recovery_codes').where('user_id', '=', userId).execute();
      await trx
        .insertInto('ward.recovery_codes')
        .values(
          recoveryCodes.map((c) => ({
            user_id: userId,
            code_hash: hashRecoveryCode(c, keyring.recoveryPepper),
          })),
        )
        .execute();
    });
    return { recoveryCodes };
  }

  /** Turning it off takes the password and a current code, so a stolen session alone cannot. */
  async disable(userId: string, password: string, code: string): Promise<void> {
    const status = await this.status(userId);
    if (!status.enabled) throw new ApiError('conflict', 'Two-factor authentication is not enabled.');
    // Password and code are one guess: without a limit, whoever knows the password would try the
    // million codes until two-factor is off.
    await this.#deps.guard.attempt(userId, async () => {
      await this.#checkPassword(userId, password);
      await this.requireCurrentCode(userId, code);
    });
    await this.#remove(userId);
  }

  /** An administrator's reset: the user signs in with the password alone and is told so. */
  async resetByAdministrator(userId: string): Promise<boolean> {
    const result = await this.#deps.db
      .updateTable('ward.two_factor')
      .set({
        secret_ciphertext: null,
        enabled_at: null,
        pending_ciphertext: null,
        pending_created_at: null,
        last_used_step: null,
        reset_at: sql`now()`,
        reset_noticed_at: null,
        updated_at: sql`now()`,
      })
      .where('user_id', '=', userId)
      .where('enabled_at', 'is not', null)
      .executeTakeFirst();
    await this.#deps.db.deleteFrom('ward.recovery_codes').where('user_id', '=', userId).execute();
    return result.numUpdatedRows > 0n;
  }

  /** Whether an administrator reset the user's two-factor since they last heard of it; marks it heard. */
  async takeResetNotice(userId: string): Promise<boolean> {
    const result = await this.#deps.db
      .updateTable('ward.two_factor')
      .set({ reset_noticed_at: sql`now()` })
      .where('user_id', '=', userId)
      .where('reset_at', 'is not', null)
      .where('reset_noticed_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async #remove(userId: string): Promise<void> {
    await this.#deps.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('ward.recovery_codes').where('user_id', '=', userId).execute();
      await trx.deleteFrom('ward.two_factor').where('user_id', '=', userId).execute();
    });
  }

  /**
   * A current code from the user's app, asked again inside a session (a step-up, turning two-factor
   * off): single use like any other; throws the answer a wrong or used code gets.
   */
  async requireCurrentCode(userId: string, code: string): Promise<void> {
    const result = await this.#acceptCode(userId, code);
    if (result !== 'ok') {
      throw new ApiError(
        'second_factor_invalid',
        result === 'code_used'
          ? 'This code was already used; wait for the next one.'
          : 'The code is not valid.',
        { details: { reason: result } },
      );
    }
  }

  /**
   * Checks a TOTP code against the enabled secret and, atomically, that its time step is newer
   * than the last one accepted: two concurrent submissions of one code cannot both pass.
   */

  async #acceptCode(userId: string, code: string): Promise<'ok' | 'code_invalid' | 'code_used'> {
    const { db, keyring } = this.#deps;
    const row = await db
      .selectFrom('ward.two_factor')
      .select(['secret_ciphertext'])
      .where('user_id', '=', userId)
      .where('enabled_at', 'is not', null)
      .executeTakeFirst();
    if (!row?.secret_ciphertext) return 'code_invalid';
    const secret = decryptSecret(keyring.all, row.secret_ciphertext, this.#aad(userId));
    const step = matchTotpStep({ secret, code, now: this.#now() });
    if (step === null) return 'code_invalid';
    const claimed = await db
      .updateTable('ward.two_factor')
      .set({ last_used_step: String(step) })
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', String(step))]))
      .executeTakeFirst();
    return claimed.numUpdatedRows > 0n ? 'ok' : 'code_used';
  }

  async #acceptRecoveryCode(userId: string, input: string): Promise<boolean> {
    const normalised = normaliseRecoveryCode(input);
    if (!isWellFormedRecoveryCode(normalised)) return false;
    const result = await this.#deps.db
      .updateTable('ward.recovery_codes')
      .set({ used_at: sql`now()` })
      .where('user_id', '=', userId)
      .where('code_hash', '=', hashRecoveryCode(normalised, this.#deps.keyring.recoveryPepper))
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  #sign(id: string): string {
    return createHmac('sha256', this.#deps.challengeKey).update(`challenge|${id}`).digest('base64url');
  }

  /** After a correct password: a signed, short-lived challenge bound to the user. */
  async createChallenge(input: {
    userId: string;
    ip: string;
    userAgent: string;
    lockKey: string;
  }): Promise<{ challenge: string; expiresAt: Date }> {
    const id = uuidv7();
    const expiresAt = new Date(this.#now() + CHALLENGE_MINUTES * 60_000);
    await this.#deps.db
      .insertInto('ward.second_factor_challenges')
      .values({
        id,
        user_id: input.userId,
        expires_at: expiresAt,
        ip: input.ip,
        user_agent: input.userAgent.slice(0, 512),
        device_key: input.lockKey,
      })
      .execute();
    return { challenge: `${id}.${this.#sign(id)}`, expiresAt };
  }

  /** The challenge id inside a token this deployment signed, or undefined for any other string. */
  #challengeId(challenge: string): string | undefined {
    const parts = challenge.split('.');
    if (parts.length !== 2) return undefined;
    const [id, signature] = parts as [string, string];
    if (!UUID.test(id)) return undefined;
    const expected = Buffer.from(this.#sign(id));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given) ? id : undefined;
  }

  /** Answers a challenge with a TOTP code or a recovery code. Consumes the challenge on success. */
  async answerChallenge(
    challenge: string,
    answer: { code?: string | undefined; recoveryCode?: string | undefined },
  ): Promise<ChallengeOutcome> {
    const invalid = new SecondFactorError(
      'challenge_invalid',
      'This sign-in has expired; enter your password again.',
    );
    const id = this.#challengeId(challenge);
    if (id === undefined) throw invalid;
    const { db } = this.#deps;
    const now = new Date(this.#now());
    // Each answer uses up one of the challenge's tries before it is checked, in one statement, so that
    // answers sent in parallel get no more tries between them than the same answers one after another.
    // (A right answer consumes the challenge, so counting it as a try changes nothing.)
    const claimed = await db
      .updateTable('ward.second_factor_challenges')
      .set({ failures: sql`failures + 1` })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .where('failures', '<', CHALLENGE_MAX_FAILURES)
      .returning(['user_id', 'device_key'])
      .executeTakeFirst();
    if (!claimed) {
      const row = await db
        .selectFrom('ward.second_factor_challenges')
        .select(['user_id', 'expires_at', 'failures', 'consumed_at', 'device_key'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (row?.consumed_at === null && row.expires_at > now && row.failures >= CHALLENGE_MAX_FAILURES) {
        throw new SecondFactorError(
          'too_many_attempts',
          'Too many wrong codes; enter your password again.',
          row.user_id,
          row.device_key,
        );
      }
      throw invalid;
    }

    let usedRecoveryCode = false;
    let result: 'ok' | 'code_invalid' | 'code_used';
    if (answer.recoveryCode !== undefined && answer.recoveryCode !== '') {
      usedRecoveryCode = true;
      result = (await this.#acceptRecoveryCode(claimed.user_id, answer.recoveryCode)) ? 'ok' : 'code_invalid';
    } else {
      result = await this.#acceptCode(claimed.user_id, answer.code ?? '');
    }
    if (result !== 'ok') {
      throw new SecondFactorError(
        result,
        result === 'code_used'
          ? 'This code was already used. Wait for the next code in your app.'
          : usedRecoveryCode
            ? 'This recovery code is not valid or was already used.'
            : 'The code is not valid. Check the 6 digits in your app and that your phone shows the right time.',
        claimed.user_id,
        claimed.device_key,
      );
    }
    const consumed = await db
      .updateTable('ward.second_factor_challenges')
      .set({ consumed_at: sql`now()` })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    if (consumed.numUpdatedRows === 0n) throw invalid;
    return { userId: claimed.user_id, lockKey: claimed.device_key, usedRecoveryCode };
  }
}
