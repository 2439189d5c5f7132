import { ApiError } from '../../http/errors.ts';
import { LOCKED_FOREVER } from './policy.ts';

/**
 * The answer to a guess made while its counter is locked (`what`: "password attempts", say): when to
 * try again, or, once a lock has no end (100 consecutive failures), that only a password reset lifts it.
 */
export function tooManyAttempts(what: string, lockedUntil: Date | undefined): ApiError {
  if (lockedUntil !== undefined && lockedUntil.getTime() >= LOCKED_FOREVER.getTime()) {
    return new ApiError(
      'too_many_requests',
      `Too many ${what}: this stays locked until your password is reset. Ask your administrator for a reset link.`,
      { details: { lockedUntilReset: true } },
    );
  }
  const seconds = Math.max(1, Math.ceil(((lockedUntil?.getTime() ?? Date.now()) - Date.now()) / 1000));
  return new ApiError(
    'too_many_requests',
    `Too many ${what}. Try again in ${Math.ceil(seconds / 60)} minutes.`,
    {
      headers: { 'retry-after': String(seconds) },
      details: { retryAfterSeconds: seconds },
    },
  );
}
