import type { TFunction } from 'i18next';
import { ApiError } from '../api/client.ts';
import { describeError } from '../api/describe-error.ts';

/** Why the server refused a second factor, from `error.details.reason`. */
export type SecondFactorReason = 'code_invalid' | 'code_used' | 'challenge_invalid' | 'too_many_attempts';

export function secondFactorReasonOf(error: unknown): SecondFactorReason | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const details = error.details;
  if (typeof details !== 'object' || details === null || !('reason' in details)) return undefined;
  const reason = details.reason;
  return reason === 'code_invalid' ||
    reason === 'code_used' ||
    reason === 'challenge_invalid' ||
    reason === 'too_many_attempts'
    ? reason
    : undefined;
}

/** Whether the sign-in's challenge is spent (expired, or too many wrong codes): the password is asked again. */
export function isChallengeSpent(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'second_factor_challenge_invalid';
}

/** A refused code, in the user's language: not valid, or valid but used already. */
export function describeCodeError(error: unknown, t: TFunction): string {
  if (error instanceof ApiError && error.code === 'second_factor_invalid') {
    return secondFactorReasonOf(error) === 'code_used' ? t('twoFactor.codeUsed') : t('twoFactor.codeInvalid');
  }
  if (error instanceof ApiError && error.code === 'invalid_credentials')
    return t('twoFactor.passwordIncorrect');
  if (error instanceof ApiError && error.code === 'forbidden') return t('twoFactor.notAvailable');
  return describeError(error, t);
}
