import { tooManyAttempts } from '../throttle/refusal.ts';
import type { ThrottleStore } from '../throttle/store.ts';

/** The counter of a user's re-authentications (see ReauthenticationGuard). */
export function reauthenticationKey(userId: string): string {
  return `step-up:${userId}`;
}

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
    const key = reauthenticationKey(userId);
    const claim = await this.#throttle.claimAttempt(key);
    if (!claim.allowed) throw tooManyAttempts('attempts', claim.lockedUntil);
    const result = await check();
    await this.#throttle.reset(key);
    return result;
  }
}
