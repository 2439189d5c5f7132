/** Consecutive failures an account may have before backoff starts. */
export const FREE_FAILURES = 5;
/** NIST SP 800-63B: no more than 100 consecutive failures may pass. */
export const MAX_CONSECUTIVE_FAILURES = 100;
/** Where a lock without end (from the 100th consecutive failure on) is recorded to end. */
export const LOCKED_FOREVER = new Date('9999-12-31T00:00:00Z');
const FIRST_LOCK_SECONDS = 60;
const LONGEST_LOCK_SECONDS = 15 * 60;

/**
 * How long a counter is kept without failures before it is forgotten (deleted by housekeeping from
 * PostgreSQL, expired by Redis). Never from the 100th consecutive failure on: the lock without end
 * lifts only by a password reset or a known device. Forgetting a count of consecutive failures, which
 * otherwise never lapses, must buy an attacker little:
 * - below FREE_FAILURES (no lock ever applied, and every address counter): after a day of silence. At
 *   most 4 guesses a day on an account: one day-long pause after every 4 guesses. This is what
 *   forgets usernames sprayed at random.
 * - from FREE_FAILURES to 99: after 30 days. Reaching 99 takes about 23 hours of backoff (locks of up
 *   to 15 minutes each); with a day to forget, an attacker could make ~50 guesses a day on an account
 *   without ever reaching the lock without end; with 30 days it is 99 every ~31 days, about 3 a day,
 *   no more than the lower tier allows.
 */
export const IDLE_COUNTER_KEPT_SECONDS = 24 * 3600;
export const BACKOFF_COUNTER_KEPT_SECONDS = 30 * 24 * 3600;

/** Failures from one IP address within one window before it is answered with 429. */
export const IP_FAILURE_CEILING = 100;
export const IP_WINDOW_SECONDS = 15 * 60;

/**
 * How long an account (or device) stays locked after its n-th consecutive failure: nothing for
 * the first five, then 1 minute doubling to at most 15 minutes. From the 100th on, it stays locked
 * until a password reset or a sign-in from a device the user signed in from before.
 */
export function lockSecondsAfter(consecutiveFailures: number): number {
  if (consecutiveFailures < FREE_FAILURES) return 0;
  if (consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) return Number.POSITIVE_INFINITY;
  return Math.min(LONGEST_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** (consecutiveFailures - FREE_FAILURES));
}
