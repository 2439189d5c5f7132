import { ApiError } from '../../http/errors.ts';
import type { ThrottleStore } from '../throttle/store.ts';

/**
 * The one throttle on guesses at a user's own password or two-factor code made through a live
 * session: the step-up, and starting enrolment, confirming it or turning two-factor off. A stolen
 * or unattended session can test guesses on any of these routes, so they share one counter (per
 * user, apart from sign-in's so that a thief cannot lock the real user out of signing in).
 */
export class ReauthenticationGuard {
  readonly #throttle: ThrottleStore;
  constructor(throttle: ThrottleStore) {
    this.#throttle = throttle;
  }

  /**
   * Runs `check` (which throws on a wrong password or code) as one guess: counted before it runs,
   * so that parallel guesses get no more tries than the same guesses one after another, and
   * forgiven only when it passes. While the user's counter is locked, nothing is checked at all.
   */
  async attempt<T>(userId: string, check: () => Promise<T>): Promise<T> {
    const key = `step-up:${userId}`;
    const claim = await this.#throttle.claimAttempt(key);
    if (!claim.allowed) {
      const seconds = Math.max(
        1,
        Math.ceil(((claim.lockedUntil?.getTime() ?? Date.now()) - Date.now()) / 1000),
      );
      throw new ApiError(
        'too_many_requests',
        `Too many attempts. Try again in ${Math.ceil(seconds / 60)} minutes.`,
        { headers: { 'retry-after': String(seconds) }, details: { retryAfterSeconds: seconds } },
      );
    }
    const result = await check();
    await this.#throttle.reset(key);
    return result;
  }
}
