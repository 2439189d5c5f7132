import { sql, type Kysely } from 'kysely';
import type { Schema } from '../../db/schema.ts';
import { ApiError } from '../../http/errors.ts';
import { findUserById } from '../../identity/store.ts';
import type { TwoFactorService } from '../../twofactor/service.ts';
import { verifyPassword } from '../passwords/index.ts';
import type { ReauthenticationGuard } from './guard.ts';

/** How long a re-authentication opens the door to sensitive actions (export). */
export const STEP_UP_MINUTES = 5;

export interface StepUpDeps {
  readonly db: Kysely<Schema>;
  /** Shared with two-factor enrolment and disabling: one counter of a session's guesses. */
  readonly guard: ReauthenticationGuard;
  readonly twoFactor: TwoFactorService;
}

/**
 * Re-authentication inside a session: the password again, and a current code when two-factor is
 * enrolled. Guesses are throttled by the reauthentication guard, apart from sign-in's, so a stolen
 * session cannot guess the password freely, and cannot lock the user's sign-in either.
 */
export class StepUpService {
  readonly #deps: StepUpDeps;
  constructor(deps: StepUpDeps) {
    this.#deps = deps;
  }

  async reauthenticate(
    userId: string,
    sessionId: string,
    password: string,
    code: string | undefined,
  ): Promise<Date> {
    await this.#deps.guard.attempt(userId, async () => {
      const user = await findUserById(this.#deps.db, userId);
      if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, password))) {
        throw new ApiError('invalid_credentials', 'The password is not correct.');
      }
      if ((await this.#deps.twoFactor.status(userId)).enabled) {
        if (code === undefined || code === '') {
          throw new ApiError(
            'second_factor_invalid',
            'Enter the 6-digit code from your authenticator app too.',
            {
              details: { reason: 'code_required' },
            },
          );
        }
        await this.#deps.twoFactor.requireCurrentCode(userId, code);
      }
    });
    const row = await this.#deps.db
      .updateTable('ward.sessions')
      .set({ reauthenticated_at: sql`now()` })
      .where('id', '=', sessionId)
      .returning('reauthenticated_at')
      .executeTakeFirstOrThrow();
    return row.reauthenticated_at ?? new Date();
  }

  /**
   * Throws 403 `reauthentication_required` unless the session re-authenticated within the window;
   * `purpose` completes "Confirm your password (and two-factor code) to …".
   */
  async requireRecent(sessionId: string, purpose: string): Promise<void> {
    const row = await this.#deps.db
      .selectFrom('ward.sessions')
      .select(
        sql<boolean>`reauthenticated_at > now() - make_interval(mins => ${STEP_UP_MINUTES})`.as('fresh'),
      )
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (!row?.fresh) {
      throw new ApiError(
        'reauthentication_required',
        `Confirm your password (and two-factor code) to ${purpose}: it is valid for ${STEP_UP_MINUTES} minutes.`,
      );
    }
  }
}
