import type { TFunction } from 'i18next';
import { ApiError } from './client.ts';

/** Whole minutes to wait, never 0: "try again in 0 minutes" would invite an immediate retry. */
export function minutesToWait(seconds: number | undefined): number {
  return Math.max(1, Math.ceil((seconds ?? 60) / 60));
}

/**
 * What to tell the user about a failed request, in their language. Errors every screen can meet are
 * described here; a screen handles its own codes (invalid_credentials, password_rejected…) before
 * falling back on this. A code the app does not know yet shows the server's own words.
 */
export function describeError(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError)) return t('errors.unexpected');
  switch (error.code) {
    case 'network_error':
      return t('errors.network');
    case 'too_many_requests':
      return t('errors.tooManyRequests', { count: minutesToWait(error.retryAfterSeconds) });
    case 'csrf_rejected':
      return t('errors.csrfRejected');
    case 'unauthenticated':
      return t('notices.sessionEnded');
    case 'database_unavailable':
    case 'shutting_down':
    case 'internal_error':
      return t('errors.serverUnavailable');
    case 'captcha_unavailable':
      return t('errors.captchaUnavailable');
    case 'captcha_required':
      return t('errors.captchaRequired');
    case 'captcha_invalid':
      return t('errors.captchaInvalid');
    case 'password_change_required':
      return t('errors.passwordChangeRequired');
    case 'outside_access_hours':
      return t('errors.outsideAccessHours');
    // A proxy's bare 502 or an HTML page gets ours rather than its status text.
    case 'http_error':
    case 'invalid_response':
      return t('errors.unexpected');
    default:
      return error.message;
  }
}
