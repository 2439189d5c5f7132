import type { TFunction } from 'i18next';

/**
 * How a sign-in attempt ended (`success`, or why it was refused), for a person's own history, an
 * administrator's view of it and the audit trail alike; one the app does not know yet is shown as
 * recorded.
 */
export function signInOutcomeLabel(outcome: string, t: TFunction): string {
  switch (outcome) {
    case 'success':
    case 'wrong_password':
    case 'unknown_user':
    case 'disabled':
    case 'throttled':
    case 'captcha_failed':
    case 'ip_throttled':
    case 'captcha_unavailable':
    case 'second_factor_failed':
    case 'outside_hours':
      return t(`history.outcomes.${outcome}`);
    default:
      return outcome;
  }
}
